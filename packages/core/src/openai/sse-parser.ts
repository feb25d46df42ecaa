/**
 * Incremental parser for `text/event-stream` bodies (the WHATWG server-sent events format, as
 * OpenAI-compatible servers send it). Accepts arbitrary byte or text chunks: an event, a line or
 * a multi-byte UTF-8 character may be split across chunks.
 *
 * @module
 */

/** One dispatched server-sent event. */
export interface SseEvent {
  /** `event:` field; undefined when absent (the default `message` type). */
  readonly event?: string;
  /** `data:` lines joined with `\n`. */
  readonly data: string;
  /** `id:` field, when present. */
  readonly id?: string;
}

export interface SseParser {
  /** Feeds one chunk; returns the events completed by it, in order. */
  push(chunk: Uint8Array | string): SseEvent[];
  /** Flushes the decoder; returns an event left without its terminating blank line, if any (see `incompleteEventAtEnd`). */
  end(): SseEvent[];
}

export interface SseParserOptions {
  /**
   * What `end()` does with an event that never got its terminating blank line: `dispatch` it
   * (default; lenient with servers that omit the final blank line) or `discard` it, as the
   * WHATWG event-stream rules do for a stream cut mid-event.
   */
  readonly incompleteEventAtEnd?: 'dispatch' | 'discard';
}

/** Creates an incremental SSE frame parser. */
export function createSseParser(options: SseParserOptions = {}): SseParser {
  const discardIncomplete = options.incompleteEventAtEnd === 'discard';
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let dataLines: string[] = [];
  let eventType: string | undefined;
  let eventId: string | undefined;
  let hasFields = false;
  let first = true;

  const dispatch = (events: SseEvent[]) => {
    if (hasFields && dataLines.length > 0) {
      const event: { event?: string; data: string; id?: string } = { data: dataLines.join('\n') };
      if (eventType !== undefined) event.event = eventType;
      if (eventId !== undefined) event.id = eventId;
      events.push(event);
    }
    dataLines = [];
    eventType = undefined;
    hasFields = false;
  };

  const processLine = (line: string, events: SseEvent[]) => {
    if (line === '') {
      dispatch(events);
      return;
    }
    if (line.startsWith(':')) return; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    hasFields = true;
    if (field === 'data') dataLines.push(value);
    else if (field === 'event') eventType = value;
    else if (field === 'id') eventId = value;
  };

  const drain = (text: string, final: boolean): SseEvent[] => {
    buffer += text;
    if (first && buffer.length > 0) {
      if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
      first = false;
    }
    const events: SseEvent[] = [];
    let start = 0;
    for (let index = 0; index < buffer.length; index++) {
      const code = buffer.charCodeAt(index);
      if (code === 10 /* \n */) {
        processLine(buffer.slice(start, index), events);
        start = index + 1;
      } else if (code === 13 /* \r */) {
        // A trailing \r may be the first half of \r\n split across chunks: wait for more.
        if (index === buffer.length - 1 && !final) break;
        processLine(buffer.slice(start, index), events);
        if (buffer.charCodeAt(index + 1) === 10) index++;
        start = index + 1;
      }
    }
    buffer = buffer.slice(start);
    if (final) {
      if (!discardIncomplete) {
        if (buffer.length > 0) processLine(buffer, events);
        dispatch(events);
      }
      buffer = '';
    }
    return events;
  };

  return {
    push(chunk) {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      return drain(text, false);
    },
    end() {
      return drain(decoder.decode(), true);
    },
  };
}
