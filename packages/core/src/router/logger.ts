/**
 * The logging contract libraries accept (a pino-compatible subset). Libraries never print; the
 * default is a no-op and hosts pass a real logger.
 *
 * @module
 */

export interface Logger {
  debug(object: Record<string, unknown>, message?: string): void;
  info(object: Record<string, unknown>, message?: string): void;
  warn(object: Record<string, unknown>, message?: string): void;
  error(object: Record<string, unknown>, message?: string): void;
}

const noop = () => {};

/** A logger that discards everything. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
