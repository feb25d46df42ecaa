/**
 * Runs the CLI in-process with captured output, for tests.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../src/cli-io.js';
import { runCli } from '../src/main.js';

/** The repository root (commands resolve paths against it). */
export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `semroute <argv>` with `stdin` as standard input; `env` defaults to an empty environment. */
export async function cli(
  argv: string[],
  stdin = '',
  env: Readonly<Record<string, string | undefined>> = {},
) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readStdin: async () => stdin,
    env,
    cwd: repositoryRoot,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** Writes `text` to a new file in a fresh temporary folder and returns its path. */
export function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'semroute-cli-')), name);
  writeFileSync(path, text);
  return path;
}
