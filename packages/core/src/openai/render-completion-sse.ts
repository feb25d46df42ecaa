/**
 * Renders one `chat.completion` as the `chat.completion.chunk` SSE stream an OpenAI-compatible
 * server would have sent: a role chunk, reasoning, content (optionally split), tool calls, a
 * final chunk with the finish reason, a usage chunk when usage is known, then `data: [DONE]`.
 * Used to replay cache hits and fast responses to streaming clients.
 *
 * @module
 */
import type { ChatCompletion } from './chat-types.js';

export interface RenderCompletionSseOptions {
  /** Split content and reasoning into pieces of at most this many characters (default: one piece). */
  readonly chunkSize?: number;
  /** Emit the usage chunk (default true when the completion has usage). */
  readonly includeUsage?: boolean;
}

function pieces(text: string, size: number | undefined): string[] {
  if (!size || size <= 0 || text.length <= size) return [text];
  const out: string[] = [];
  for (let start = 0; start < text.length; start += size) out.push(text.slice(start, start + size));
  return out;
}

/** Returns the SSE frames (`data: {...}\n\n` strings), the last being `data: [DONE]\n\n`. */
export function renderCompletionAsSse(
  completion: ChatCompletion,
  options: RenderCompletionSseOptions = {},
): string[] {
  const frames: string[] = [];
  const base: Record<string, unknown> = {
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
  };
  if (completion.system_fingerprint !== undefined) base.system_fingerprint = completion.system_fingerprint;
  const frame = (choices: unknown[], extra?: Record<string, unknown>) =>
    frames.push(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`);

  for (const choice of completion.choices) {
    const index = choice.index;
    const message = choice.message;
    frame([
      {
        index,
        delta: { role: message.role ?? 'assistant', content: '' },
        logprobs: null,
        finish_reason: null,
      },
    ]);
    if (typeof message.reasoning_content === 'string' && message.reasoning_content.length > 0) {
      for (const piece of pieces(message.reasoning_content, options.chunkSize)) {
        frame([{ index, delta: { reasoning_content: piece }, logprobs: null, finish_reason: null }]);
      }
    }
    if (typeof message.content === 'string' && message.content.length > 0) {
      for (const piece of pieces(message.content, options.chunkSize)) {
        frame([{ index, delta: { content: piece }, logprobs: null, finish_reason: null }]);
      }
    }
    if (typeof message.refusal === 'string' && message.refusal.length > 0) {
      frame([{ index, delta: { refusal: message.refusal }, logprobs: null, finish_reason: null }]);
    }
    if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      const toolCalls = message.tool_calls.map((call, callIndex) => {
        const value = (call ?? {}) as Record<string, unknown>;
        return { index: callIndex, ...value };
      });
      frame([{ index, delta: { tool_calls: toolCalls }, logprobs: null, finish_reason: null }]);
    }
    frame([{ index, delta: {}, logprobs: null, finish_reason: choice.finish_reason ?? 'stop' }]);
  }
  if (completion.usage && options.includeUsage !== false) frame([], { usage: completion.usage });
  frames.push('data: [DONE]\n\n');
  return frames;
}
