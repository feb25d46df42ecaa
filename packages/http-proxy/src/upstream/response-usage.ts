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

/** Usage of a non-streamed completion body, or undefined when it has none or is not JSON. */
export function usageOfCompletionText(text: string): ResponseUsage | undefined {
  if (!text.includes('"usage"')) return undefined;
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
