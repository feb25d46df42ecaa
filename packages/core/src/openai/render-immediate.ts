/**
 * Rendering of router-generated responses: synthetic completions (fast_response), their SSE
 * form for streaming clients, and OpenAI-style error bodies.
 *
 * @module
 */
import type { SemrouteError } from '../errors/semroute-error.js';
import type { ChatCompletion } from './chat-types.js';

/** A synthetic `chat.completion` with one assistant message. */
export function syntheticCompletion(options: {
  id: string;
  model: string;
  content: string;
  created: number;
}): ChatCompletion {
  return {
    id: options.id,
    object: 'chat.completion',
    created: options.created,
    model: options.model,
    choices: [{ index: 0, message: { role: 'assistant', content: options.content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}

function frame(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

/**
 * Renders a complete completion as `chat.completion.chunk` SSE frames ending with
 * `data: [DONE]`: a role chunk, one content chunk (plus reasoning and tool calls when present),
 * a finish chunk, and a usage chunk when usage is known.
 */
export function completionToSse(completion: ChatCompletion): string {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
  };
  let text = '';
  for (const choice of completion.choices) {
    const index = choice.index;
    text += frame({
      ...base,
      choices: [
        { index, delta: { role: choice.message.role ?? 'assistant', content: '' }, finish_reason: null },
      ],
    });
    if (choice.message.reasoning_content)
      text += frame({
        ...base,
        choices: [
          { index, delta: { reasoning_content: choice.message.reasoning_content }, finish_reason: null },
        ],
      });
    if (choice.message.content)
      text += frame({
        ...base,
        choices: [{ index, delta: { content: choice.message.content }, finish_reason: null }],
      });
    if (Array.isArray(choice.message.tool_calls) && choice.message.tool_calls.length > 0) {
      const toolCalls = choice.message.tool_calls.map((call, callIndex) => ({
        index: callIndex,
        ...(call as Record<string, unknown>),
      }));
      text += frame({ ...base, choices: [{ index, delta: { tool_calls: toolCalls }, finish_reason: null }] });
    }
    text += frame({
      ...base,
      choices: [{ index, delta: {}, finish_reason: choice.finish_reason ?? 'stop' }],
    });
  }
  if (completion.usage) text += frame({ ...base, choices: [], usage: completion.usage });
  return `${text}data: [DONE]\n\n`;
}

/** The OpenAI-style error body for an error. */
export function errorBody(error: SemrouteError): string {
  return JSON.stringify(error.toOpenAIError());
}
