/**
 * CLI dispatcher. Exported as `runCli` so tests run commands in-process.
 *
 * @module
 */
import { SemrouteError } from '@semroute/core';
import { type CliIo, CliUsageError } from './cli-io.js';
import { cacheCommand } from './commands/cache-command.js';
import { classifyCommand } from './commands/classify-command.js';
import type { CliCommand } from './commands/command.js';
import { evalCommand } from './commands/eval-command.js';
import { migrateCommand } from './commands/migrate-command.js';
import { modelsCommand } from './commands/models-command.js';
import { routeCommand } from './commands/route-command.js';
import { serveCommand } from './commands/serve-command.js';
import { simCommand } from './commands/sim-command.js';
import { startCommand } from './commands/start-command.js';
import { validateCommand } from './commands/validate-command.js';

export const COMMANDS: readonly CliCommand[] = [
  validateCommand,
  routeCommand,
  migrateCommand,
  classifyCommand,
  evalCommand,
  modelsCommand,
  simCommand,
  serveCommand,
  startCommand,
  cacheCommand,
];

function help(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'semroute: an intelligent router for LLM traffic',
    '',
    'usage: semroute <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    "Run `semroute <command> --help` for a command's usage.",
    '',
  ].join('\n');
}

/** Runs the CLI; resolves the exit code. User mistakes print one line, never a stack trace. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(help());
    return name ? 0 : 1;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr(`semroute: unknown command "${name}"\n\n${help()}`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`usage: ${command.usage}\n${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.stderr(`semroute ${name}: ${error.message}\n`);
      return 1;
    }
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`semroute ${name}: ${(error as Error).message}\nusage: ${command.usage}\n`);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const address = error as NodeJS.ErrnoException & { port?: number; address?: string };
      io.stderr(
        `semroute ${name}: ${address.address ?? ''}:${address.port ?? ''} is already in use; stop whatever listens there or choose another port (0 turns a listener off)\n`,
      );
      return 1;
    }
    if (SemrouteError.isInstance(error)) {
      io.stderr(`semroute ${name}: ${error.message}\n`);
      return 1;
    }
    io.stderr(`semroute ${name}: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return 2;
  }
}
