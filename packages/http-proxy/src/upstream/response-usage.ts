/**
 * Reads what the `upstream-end` event reports about an answer (token usage, time to the first
 * content) without rebuilding the completion: JSON bodies parse once; streams go through an SSE
 * parser and only the events that can matter are JSON-parsed (until the first content arrives,
 * then only events that carry `"usage"`, i.e. the final one with `stream_options.include_usage`).
 * Used only when the host listens for events, so a proxy without telemetry pays nothing.
 *
 * @module
 */
import { type ChatCompletion, createSseParser } from '@semroute/core';

/** Token counts in the OpenAI shape. */
export type ResponseUsage = NonNullable<ChatCompletion['usage']>;

function usageOf(value: unknown): ResponseUsage | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const usage = (value as { usage?: unknown }).usage;
  if (usage === null || typeof usage !== 'object') return undefined;
  const { prompt_tokens, completion_tokens, total_tokens } = usage as Record<string, unknown>;
  if (typeof prompt_tokens !== 'number' || typeof completion_tokens !== 'number') return undefined;
  return {
    prompt_tokens,
    completion_tokens,
    total_tokens: typeof total_tokens === 'number' ? total_tokens : prompt_tokens + completion_tokens,
  };
}

/**
 * The JSON object that starts at `open` (a `{`), as a substring, or undefined when it does not
 * close. Strings are skipped with their escapes, so braces inside them do not count.
 */
function objectAt(text: string, open: number): string | undefined {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (char === 0x22 /* " */) {
      for (index++; index < text.length; index++) {
        const inner = text.charCodeAt(index);
        if (inner === 0x5c /* \ */) index++;
        else if (inner === 0x22) break;
      }
    } else if (char === 0x7b /* { */) depth++;
    else if (char === 0x7d /* } */ && --depth === 0) return text.slice(open, index + 1);
  }
  return undefined;
}

/**
 * Usage of a non-streamed completion body, or undefined when it has none or is not JSON.
 * OpenAI-style servers put `usage` after `choices`, so the last `"usage":` key is read and only
 * its object is parsed: a long answer costs a backwards search, not a parse of the whole body.
 * Anything unexpected falls back to parsing the body.
 */
export function usageOfCompletionText(text: string): ResponseUsage | undefined {
  const key = text.lastIndexOf('"usage"');
  if (key < 0) return undefined;
  let index = key + 7;
  while (
    index < text.length &&
    (text[index] === ' ' ||
      text[index] === ':' ||
      text[index] === '\n' ||
      text[index] === '\t' ||
      text[index] === '\r')
  )
    index++;
  const object = text[index] === '{' ? objectAt(text, index) : undefined;
  if (object !== undefined) {
    try {
      const usage = usageOf({ usage: JSON.parse(object) });
      if (usage) return usage;
    } catch {
      // fall through to the whole body
    }
  }
  try {
    return usageOf(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function hasContent(chunk: unknown): boolean {
  const choices = (chunk as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return false;
  return choices.some((choice) => {
    const delta = (choice as { delta?: Record<string, unknown> } | null)?.delta;
    if (!delta) return false;
    return (
      (typeof delta.content === 'string' && delta.content.length > 0) ||
      (typeof delta.reasoning_content === 'string' && delta.reasoning_content.length > 0) ||
      (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0)
    );
  });
}

/** Watches a chat-completions SSE stream for the first content and the final usage. */
export interface StreamUsageTap {
  push(chunk: Uint8Array): void;
  /** Clock reading when the first content (text, reasoning or tool call) arrived. */
  readonly firstContentAt: number | undefined;
  readonly usage: ResponseUsage | undefined;
}

export function createStreamUsageTap(now: () => number): StreamUsageTap {
  const parser = createSseParser();
  let firstContentAt: number | undefined;
  let usage: ResponseUsage | undefined;
  return {
    push(chunk) {
      for (const event of parser.push(chunk)) {
        const data = event.data;
        const mayHaveUsage = data.includes('"usage"');
        if (firstContentAt !== undefined && !mayHaveUsage) continue;
        if (data === '[DONE]') continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch {
          continue;
        }
        if (firstContentAt === undefined && hasContent(parsed)) firstContentAt = now();
        if (mayHaveUsage) usage = usageOf(parsed) ?? usage;
      }
    },
    get firstContentAt() {
      return firstContentAt;
    },
    get usage() {
      return usage;
    },
  };
}
