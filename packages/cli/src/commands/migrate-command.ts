/**
 * `semroute migrate <old.yaml>`: prints the v0.3 equivalent of a legacy v0.1 config on stdout;
 * conversion notes and validation findings go to stderr as warnings.
 *
 * @module
 */

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, formatConfigIssue, importV01ConfigText, validateRouterConfig } from '@semroute/core';
import { stringify } from 'yaml';
import { type CliIo, CliUsageError, readTextFile } from '../cli-io.js';
import type { CliCommand } from './command.js';

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'convert a legacy v0.1 config to v0.3 and print it',
  usage: 'semroute migrate <old.yaml>',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
    const [file] = positionals;
    if (!file || positionals.length > 1) throw new CliUsageError(`usage: ${this.usage}`);
    const text = await readTextFile(resolve(io.cwd, file), file);
    try {
      const { config, warnings } = importV01ConfigText(text, file);
      for (const warning of warnings) io.stderr(`warning: ${warning}\n`);
      try {
        validateRouterConfig(config);
      } catch (error) {
        if (!ConfigError.isInstance(error)) throw error;
        for (const issue of error.issues)
          io.stderr(`warning: the converted config needs attention: ${formatConfigIssue(issue)}\n`);
      }
      io.stdout(
        `# Converted from ${file} (v0.1) by \`semroute migrate\`.\n${stringify(config, { lineWidth: 0 })}`,
      );
      return 0;
    } catch (error) {
      if (ConfigError.isInstance(error)) {
        for (const issue of error.issues) io.stderr(`error: ${formatConfigIssue(issue)}\n`);
        return 1;
      }
      throw error;
    }
  },
};
