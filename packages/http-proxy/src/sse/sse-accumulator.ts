/**
 * Minimal incremental SSE reading for the proxy's cache write: collects the `data:` payloads of
 * an OpenAI chat stream chunk by chunk (lines may split across chunks) and notes the terminal
 * `data: [DONE]`. Internal stand-in until core's SSE helpers land (`@semroute/core` openai/).
 *
 * @module
 */
import type { ChatCompletion } from '@semroute/core';

export interface SseAccumulator {
  push(chunk: Uint8Array): void;
  /** Flushes a trailing line without a newline. */
  end(): void;
  /** Whether `data: [DONE]` was seen. */
  readonly done: boolean;
  /** `data:` payloads seen before `[DONE]`, in order. */
  readonly events: readonly string[];
}

export function createSseAccumulator(): SseAccumulator {
  const decoder = new TextDecoder();
  const events: string[] = [];
  let buffer = '';
  let data: string[] = [];
  let done = false;
  const line = (text: string) => {
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text === '') {
      if (data.length > 0) {
        const payload = data.join('\n');
        data = [];
        if (payload === '[DONE]') done = true;
        else if (!done) events.push(payload);
      }
      return;
    }
    if (text.startsWith('data:')) data.push(text.slice(text.charCodeAt(5) === 32 ? 6 : 5));
  };
  return {
    push(chunk) {
      buffer += decoder.decode(chunk, { stream: true });
      let index = buffer.indexOf('\n');
      while (index >= 0) {
        line(buffer.slice(0, index));
        buffer = buffer.slice(index + 1);
        index = buffer.indexOf('\n');
      }
    },
    end() {
      buffer += decoder.decode();
      if (buffer) line(buffer);
      buffer = '';
      line('');
    },
    get done() {
      return done;
    },
    events,
  };
}

interface ToolCallDelta {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

/**
 * Rebuilds one `chat.completion` from the `chat.completion.chunk` payloads of a stream. Returns
 * undefined when a payload is not JSON or there are no chunks.
 */
export function reconstructCompletionFromEvents(events: readonly string[]): ChatCompletion | undefined {
  if (events.length === 0) return undefined;
  let id = '';
  let created = 0;
  let model = '';
  let usage: ChatCompletion['usage'];
  const choices = new Map<
    number,
    {
      role: string;
      content: string;
      reasoning: string;
      finish: string | null;
      tools: Map<number, { id?: string; type: string; function: { name: string; arguments: string } }>;
    }
  >();
  for (const payload of events) {
    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(payload) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    if (typeof chunk.id === 'string' && !id) id = chunk.id;
    if (typeof chunk.created === 'number' && !created) created = chunk.created;
    if (typeof chunk.model === 'string' && !model) model = chunk.model;
    if (chunk.usage && typeof chunk.usage === 'object') usage = chunk.usage as ChatCompletion['usage'];
    for (const choice of (Array.isArray(chunk.choices) ? chunk.choices : []) as Array<
      Record<string, unknown>
    >) {
      const index = typeof choice.index === 'number' ? choice.index : 0;
      let state = choices.get(index);
      if (!state) {
        state = { role: 'assistant', content: '', reasoning: '', finish: null, tools: new Map() };
        choices.set(index, state);
      }
      const delta = (choice.delta ?? {}) as Record<string, unknown>;
      if (typeof delta.role === 'string') state.role = delta.role;
      if (typeof delta.content === 'string') state.content += delta.content;
      if (typeof delta.reasoning_content === 'string') state.reasoning += delta.reasoning_content;
      for (const call of (Array.isArray(delta.tool_calls) ? delta.tool_calls : []) as ToolCallDelta[]) {
        const callIndex = call.index ?? 0;
        let tool = state.tools.get(callIndex);
        if (!tool) {
          tool = { type: call.type ?? 'function', function: { name: '', arguments: '' } };
          state.tools.set(callIndex, tool);
        }
        if (call.id) tool.id = call.id;
        if (call.function?.name) tool.function.name += call.function.name;
        if (call.function?.arguments) tool.function.arguments += call.function.arguments;
      }
      if (typeof choice.finish_reason === 'string') state.finish = choice.finish_reason;
    }
  }
  const completion: ChatCompletion = {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [...choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, state]) => {
        const message: ChatCompletion['choices'][number]['message'] = {
          role: state.role,
          content: state.content,
        };
        if (state.reasoning) message.reasoning_content = state.reasoning;
        if (state.tools.size > 0)
          message.tool_calls = [...state.tools.entries()].sort(([a], [b]) => a - b).map(([, tool]) => tool);
        return { index, message, finish_reason: state.finish };
      }),
  };
  if (usage) completion.usage = usage;
  return completion;
}
