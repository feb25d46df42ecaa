/**
 * Response-phase SSE support: core's incremental parser, and an accumulator that rebuilds one
 * `chat.completion` from `chat.completion.chunk` events while telling the session when the first
 * content arrives (for TTFT), which core's `createCompletionCollector` does not report.
 *
 * @module
 */
import { type ChatCompletion, createSseParser as createCoreSseParser } from '@semroute/core';

/** One dispatched SSE event (`event` absent for the default message type). */
export interface SseEvent {
  readonly event?: string | undefined;
  readonly data: string;
}

/**
 * Incremental SSE parser: core's, discarding an event that never got its blank line, because a
 * response body cut mid-event is not a complete response.
 */
export function createSseParser(): { push(chunk: Uint8Array): SseEvent[]; end(): SseEvent[] } {
  return createCoreSseParser({ incompleteEventAtEnd: 'discard' });
}

interface ToolCallAccumulator {
  id?: string;
  type?: string;
  function: { name: string; arguments: string };
}

interface ChoiceAccumulator {
  index: number;
  role: string;
  content: string;
  hasContent: boolean;
  reasoning: string;
  toolCalls: ToolCallAccumulator[];
  finishReason: string | null;
}

/**
 * Rebuilds a chat completion from streamed chunks. `complete` turns true at `data: [DONE]`;
 * `result()` is undefined unless every chunk parsed (only whole responses are cached).
 */
export function createCompletionAccumulator(): {
  push(event: SseEvent): void;
  readonly complete: boolean;
  readonly chunkCount: number;
  readonly firstContentSeen: boolean;
  result(): ChatCompletion | undefined;
} {
  let id = '';
  let model = '';
  let created = 0;
  let systemFingerprint: unknown;
  let usage: ChatCompletion['usage'];
  let complete = false;
  let chunkCount = 0;
  let firstContentSeen = false;
  // A chunk that is not JSON leaves a hole in the content: such a stream must not be cached.
  let malformed = false;
  const choices = new Map<number, ChoiceAccumulator>();

  return {
    push(event) {
      if (complete) return;
      const data = event.data.trim();
      if (data === '[DONE]') {
        complete = true;
        return;
      }
      let chunk: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(data);
        if (!parsed || typeof parsed !== 'object') return;
        chunk = parsed as Record<string, unknown>;
      } catch {
        malformed = true;
        return;
      }
      chunkCount++;
      if (typeof chunk.id === 'string' && !id) id = chunk.id;
      if (typeof chunk.model === 'string' && !model) model = chunk.model;
      if (typeof chunk.created === 'number' && !created) created = chunk.created;
      if (chunk.system_fingerprint !== undefined) systemFingerprint = chunk.system_fingerprint;
      if (chunk.usage && typeof chunk.usage === 'object') usage = chunk.usage as ChatCompletion['usage'];
      if (!Array.isArray(chunk.choices)) return;
      for (const rawChoice of chunk.choices as Array<Record<string, unknown>>) {
        const index = typeof rawChoice.index === 'number' ? rawChoice.index : 0;
        let choice = choices.get(index);
        if (!choice) {
          choice = {
            index,
            role: 'assistant',
            content: '',
            hasContent: false,
            reasoning: '',
            toolCalls: [],
            finishReason: null,
          };
          choices.set(index, choice);
        }
        const delta = (rawChoice.delta ?? {}) as Record<string, unknown>;
        if (typeof delta.role === 'string') choice.role = delta.role;
        if (typeof delta.content === 'string') {
          choice.content += delta.content;
          choice.hasContent = true;
          if (delta.content.length > 0) firstContentSeen = true;
        }
        if (typeof delta.reasoning_content === 'string') choice.reasoning += delta.reasoning_content;
        if (Array.isArray(delta.tool_calls)) {
          firstContentSeen = true;
          for (const rawCall of delta.tool_calls as Array<Record<string, unknown>>) {
            const callIndex = typeof rawCall.index === 'number' ? rawCall.index : choice.toolCalls.length;
            let call = choice.toolCalls[callIndex];
            if (!call) {
              call = { function: { name: '', arguments: '' } };
              choice.toolCalls[callIndex] = call;
            }
            if (typeof rawCall.id === 'string') call.id = rawCall.id;
            if (typeof rawCall.type === 'string') call.type = rawCall.type;
            const fn = (rawCall.function ?? {}) as Record<string, unknown>;
            if (typeof fn.name === 'string') call.function.name += fn.name;
            if (typeof fn.arguments === 'string') call.function.arguments += fn.arguments;
          }
        }
        if (typeof rawChoice.finish_reason === 'string') choice.finishReason = rawChoice.finish_reason;
      }
    },
    get complete() {
      return complete;
    },
    get chunkCount() {
      return chunkCount;
    },
    get firstContentSeen() {
      return firstContentSeen;
    },
    result() {
      if (!complete || chunkCount === 0 || malformed) return undefined;
      const completion: ChatCompletion = {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [...choices.values()]
          .sort((left, right) => left.index - right.index)
          .map((choice) => {
            const message: ChatCompletion['choices'][number]['message'] = {
              role: choice.role,
              content: choice.hasContent || choice.toolCalls.length === 0 ? choice.content : null,
            };
            if (choice.reasoning) message.reasoning_content = choice.reasoning;
            if (choice.toolCalls.length > 0) {
              message.tool_calls = choice.toolCalls
                .filter(Boolean)
                .map((call) => ({ id: call.id, type: call.type ?? 'function', function: call.function }));
            }
            return { index: choice.index, message, finish_reason: choice.finishReason };
          }),
      };
      if (usage) completion.usage = usage;
      if (systemFingerprint !== undefined) completion.system_fingerprint = systemFingerprint;
      return completion;
    },
  };
}
