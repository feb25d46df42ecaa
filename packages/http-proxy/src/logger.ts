/**
 * The structural logger the proxy and simulator accept. No-op by default; libraries never print.
 *
 * @module
 */
export interface ProxyLogger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  info?(message: string, fields?: Record<string, unknown>): void;
  warn?(message: string, fields?: Record<string, unknown>): void;
  error?(message: string, fields?: Record<string, unknown>): void;
}

export const NOOP_LOGGER: ProxyLogger = {};
