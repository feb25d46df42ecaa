/**
 * @semroute/cli: the `semroute` command, also usable in-process through `runCli`.
 *
 * @module
 */
export { type CliIo, CliUsageError, processIo } from './cli-io.js';
export type { CliCommand } from './commands/command.js';
export { outcomeToJson } from './commands/route-command.js';
export { COMMANDS, runCli } from './main.js';
