/**
 * The shape of one CLI subcommand.
 *
 * @module
 */
import type { CliIo } from '../cli-io.js';

export interface CliCommand {
  readonly name: string;
  /** One line for `semroute --help`. */
  readonly summary: string;
  readonly usage: string;
  /** Runs with the arguments after the command name; resolves the exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}
