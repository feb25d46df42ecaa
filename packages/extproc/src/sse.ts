/**
 * Response-phase SSE parsing: core's incremental parser, set to discard a cut-off final event.
 * Core's `createCompletionCollector` rebuilds the completion and reports the first content.
 *
 * @module
 */
import { createSseParser as createCoreSseParser, type SseParser } from '@semroute/core';

export type { SseEvent } from '@semroute/core';

/**
 * Incremental SSE parser: core's, discarding an event that never got its blank line, because a
 * response body cut mid-event is not a complete response.
 */
export function createSseParser(): SseParser {
  return createCoreSseParser({ incompleteEventAtEnd: 'discard' });
}
