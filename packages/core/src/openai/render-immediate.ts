/**
 * Rendering of router-generated responses: synthetic completions (fast_response) and
 * OpenAI-style error bodies. Their SSE form comes from `renderCompletionAsSse`.
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

/** The OpenAI-style error body for an error. */
export function errorBody(error: SemrouteError): string {
  return JSON.stringify(error.toOpenAIError());
}
