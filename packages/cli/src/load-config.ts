/**
 * Loads and validates a config file for CLI commands, printing warnings.
 *
 * @module
 */
import { resolve } from 'node:path';
import { formatConfigIssue, type ParsedRouterConfig, parseRouterConfig } from '@semroute/core';
import { type CliIo, readTextFile } from './cli-io.js';

export async function loadConfigFile(
  path: string,
  io: CliIo,
  options: { quietWarnings?: boolean } = {},
): Promise<ParsedRouterConfig> {
  const absolute = resolve(io.cwd, path);
  const text = await readTextFile(absolute, path);
  const parsed = parseRouterConfig(text, { source: path, env: io.env });
  if (!options.quietWarnings)
    for (const warning of parsed.warnings) io.stderr(`warning: ${formatConfigIssue(warning)}\n`);
  return parsed;
}
