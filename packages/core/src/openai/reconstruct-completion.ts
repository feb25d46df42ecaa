/**
 * Rebuilds one `chat.completion` from a streamed `chat.completion.chunk` SSE body, so a streamed
 * response can be cached (and replayed) like a non-streamed one. Content, reasoning
 * (`reasoning_content`, or `reasoning` as some servers name it), tool calls (merged by index,
 * arguments concatenated), finish reasons and usage are kept. A stream is complete only when it
 * ended with `data: [DONE]` and every chunk parsed; anything else yields `undefined`.
 *
 * @module
 */
import type { ChatCompletion } from './chat-types.js';
import { createSseParser, type SseEvent } from './sse-parser.js';

interface ToolCallAccumulator {
  index: number;
  id?: string;
  type?: string;
  name: string;
  arguments: string;
  hasFunction: boolean;
}

interface ChoiceAccumulator {
  index: number;
  role: string;
  content: string;
  hasContent: boolean;
  reasoning: string;
  hasReasoning: boolean;
  refusal: string | undefined;
  toolCalls: Map<number, ToolCallAccumulator>;
  finishReason: string | null;
  logprobs: unknown[];
}

/** Collects a stream incrementally (bytes, text or parsed events) into one completion. */
export interface CompletionCollector {
  /** Feeds raw SSE bytes or text (any split). */
  push(chunk: Uint8Array | string): void;
  /** Feeds one already-parsed SSE event. */
  pushEvent(event: SseEvent): void;
  /** True once `data: [DONE]` has been seen and no chunk failed to parse. */
  readonly done: boolean;
  /**
   * True once a chunk carried content the user sees: text, reasoning or a tool call. Hosts
   * read it after each push to time the first content (TTFT).
   */
  readonly firstContentSeen: boolean;
  /** The usage the stream reported so far (with `stream_options.include_usage`, the last chunk). */
  readonly usage: ChatCompletion['usage'] | undefined;
  /** The completion, or `undefined` when the stream was incomplete, malformed or empty. */
  finish(): ChatCompletion | undefined;
}

/** Creates an incremental collector; see {@link reconstructCompletionFromSse}. */
export function createCompletionCollector(): CompletionCollector {
  const parser = createSseParser();
  const choices = new Map<number, ChoiceAccumulator>();
  let sawDone = false;
  let failed = false;
  let id: string | undefined;
  let created: number | undefined;
  let model: string | undefined;
  let systemFingerprint: unknown;
  let serviceTier: unknown;
  let usage: ChatCompletion['usage'];
  let firstContentSeen = false;
  let chunks = 0;

  const choice = (index: number): ChoiceAccumulator => {
    let accumulator = choices.get(index);
    if (!accumulator) {
      accumulator = {
        index,
        role: 'assistant',
        content: '',
        hasContent: false,
        reasoning: '',
        hasReasoning: false,
        refusal: undefined,
        toolCalls: new Map(),
        finishReason: null,
        logprobs: [],
      };
      choices.set(index, accumulator);
    }
    return accumulator;
  };

  const handleChunk = (chunk: Record<string, unknown>) => {
    if (chunk.error !== undefined) {
      failed = true;
      return;
    }
    if (typeof chunk.id === 'string' && id === undefined) id = chunk.id;
    if (typeof chunk.created === 'number' && created === undefined) created = chunk.created;
    if (typeof chunk.model === 'string' && model === undefined) model = chunk.model;
    if (chunk.system_fingerprint !== undefined && chunk.system_fingerprint !== null)
      systemFingerprint = chunk.system_fingerprint;
    if (chunk.service_tier !== undefined && chunk.service_tier !== null) serviceTier = chunk.service_tier;
    if (chunk.usage && typeof chunk.usage === 'object') usage = chunk.usage as ChatCompletion['usage'];
    if (!Array.isArray(chunk.choices)) return;
    for (const raw of chunk.choices as Array<Record<string, unknown>>) {
      if (!raw || typeof raw !== 'object') continue;
      const accumulator = choice(typeof raw.index === 'number' ? raw.index : 0);
      const delta = (raw.delta ?? {}) as Record<string, unknown>;
      if (typeof delta.role === 'string') accumulator.role = delta.role;
      if (typeof delta.content === 'string') {
        accumulator.content += delta.content;
        accumulator.hasContent = true;
        if (delta.content.length > 0) firstContentSeen = true;
      }
      const reasoning =
        typeof delta.reasoning_content === 'string' ? delta.reasoning_content : delta.reasoning;
      if (typeof reasoning === 'string') {
        accumulator.reasoning += reasoning;
        accumulator.hasReasoning = true;
        if (reasoning.length > 0) firstContentSeen = true;
      }
      if (typeof delta.refusal === 'string')
        accumulator.refusal = (accumulator.refusal ?? '') + delta.refusal;
      if (Array.isArray(delta.tool_calls)) {
        if (delta.tool_calls.length > 0) firstContentSeen = true;
        for (const call of delta.tool_calls as Array<Record<string, unknown>>) {
          const callIndex = typeof call.index === 'number' ? call.index : accumulator.toolCalls.size;
          let tool = accumulator.toolCalls.get(callIndex);
          if (!tool) {
            tool = { index: callIndex, name: '', arguments: '', hasFunction: false };
            accumulator.toolCalls.set(callIndex, tool);
          }
          if (typeof call.id === 'string') tool.id = call.id;
          if (typeof call.type === 'string') tool.type = call.type;
          const fn = call.function as Record<string, unknown> | undefined;
          if (fn && typeof fn === 'object') {
            tool.hasFunction = true;
            if (typeof fn.name === 'string') tool.name += fn.name;
            if (typeof fn.arguments === 'string') tool.arguments += fn.arguments;
          }
        }
      }
      if (typeof raw.finish_reason === 'string') accumulator.finishReason = raw.finish_reason;
      const logprobs = raw.logprobs as { content?: unknown[] } | null | undefined;
      if (logprobs && Array.isArray(logprobs.content)) accumulator.logprobs.push(...logprobs.content);
    }
  };

  const pushEvent = (event: SseEvent) => {
    if (failed) return;
    if (event.event === 'error') {
      failed = true;
      return;
    }
    const data = event.data.trim();
    if (data === '[DONE]') {
      sawDone = true;
      return;
    }
    if (sawDone || data === '') return;
    try {
      const parsed: unknown = JSON.parse(data);
      if (parsed && typeof parsed === 'object') {
        chunks++;
        handleChunk(parsed as Record<string, unknown>);
      } else failed = true;
    } catch {
      failed = true;
    }
  };

  return {
    push(chunk) {
      for (const event of parser.push(chunk)) pushEvent(event);
    },
    pushEvent,
    get done() {
      return sawDone && !failed;
    },
    get firstContentSeen() {
      return firstContentSeen;
    },
    get usage() {
      return usage;
    },
    finish() {
      for (const event of parser.end()) pushEvent(event);
      // `data: [DONE]` alone carries no answer: nothing to cache or replay.
      if (!sawDone || failed || chunks === 0) return undefined;
      const completion: ChatCompletion = {
        id: id ?? 'chatcmpl-reconstructed',
        object: 'chat.completion',
        created: created ?? 0,
        model: model ?? '',
        choices: [...choices.values()]
          .sort((a, b) => a.index - b.index)
          .map((accumulator) => {
            const message: ChatCompletion['choices'][number]['message'] = {
              role: accumulator.role,
              content:
                accumulator.hasContent || accumulator.toolCalls.size === 0 ? accumulator.content : null,
            };
            if (accumulator.hasReasoning) message.reasoning_content = accumulator.reasoning;
            if (accumulator.refusal !== undefined) message.refusal = accumulator.refusal;
            if (accumulator.toolCalls.size > 0) {
              message.tool_calls = [...accumulator.toolCalls.values()]
                .sort((a, b) => a.index - b.index)
                .map((tool) => ({
                  id: tool.id ?? `call_${tool.index}`,
                  type: tool.type ?? 'function',
                  function: { name: tool.name, arguments: tool.arguments },
                }));
            }
            const out: ChatCompletion['choices'][number] = {
              index: accumulator.index,
              message,
              finish_reason: accumulator.finishReason,
            };
            out.logprobs = accumulator.logprobs.length > 0 ? { content: accumulator.logprobs } : null;
            return out;
          }),
      };
      if (usage) completion.usage = usage;
      if (systemFingerprint !== undefined) completion.system_fingerprint = systemFingerprint;
      if (serviceTier !== undefined) completion.service_tier = serviceTier;
      return completion;
    },
  };
}

/**
 * Rebuilds one completion from a whole SSE body (or its chunks, split anywhere). Returns
 * `undefined` unless the stream ended with `data: [DONE]` and every chunk was valid JSON
 * without an `error` member: only complete streams may be cached.
 */
export function reconstructCompletionFromSse(
  chunks: string | Uint8Array | Iterable<string | Uint8Array>,
): ChatCompletion | undefined {
  const collector = createCompletionCollector();
  if (typeof chunks === 'string' || chunks instanceof Uint8Array) collector.push(chunks);
  else for (const chunk of chunks) collector.push(chunk);
  return collector.finish();
}
