/**
 * Request limits for `POST /v1/chat/completions`: body size, JSON nesting depth and message
 * count. Pure functions; the handler maps violations to 413 / 400.
 *
 * @module
 */

export interface RequestLimits {
  /** Largest accepted body in bytes (413 beyond). Default 10 MiB, as the reference's streamed_body. */
  readonly maxBodyBytes: number;
  /** Deepest accepted JSON nesting (objects + arrays). Default 64. */
  readonly maxJsonDepth: number;
  /** Most messages accepted in one request. Default 2,048. */
  readonly maxMessages: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxJsonDepth: 64,
  maxMessages: 2048,
};

/**
 * Nesting depth of a JSON text, counted without parsing (brackets inside strings are skipped).
 * Stops early once `limit` is exceeded and returns `limit + 1`. Malformed text gives some
 * number; JSON.parse reports the syntax error afterwards.
 */
export function jsonNestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 92 /* \ */) index++;
      else if (code === 34 /* " */) inString = false;
      continue;
    }
    if (code === 34) inString = true;
    else if (code === 123 /* { */ || code === 91 /* [ */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === 125 /* } */ || code === 93 /* ] */) depth--;
  }
  return deepest;
}
