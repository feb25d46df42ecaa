/**
 * The subset of the OpenAI Chat Completions wire format that semroute reads and writes. Fields
 * it does not know are preserved as-is (the index signature), because a router must forward
 * everything the client sent.
 *
 * @module
 */

/** A content part of a multimodal message. Only `text` parts contribute to signals. */
export interface ChatContentPart {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface ChatMessage {
  role: string;
  content?: string | ChatContentPart[] | null;
  name?: string;
  tool_calls?: unknown[];
  tool_call_id?: string;
  [key: string]: unknown;
}

/** A `POST /v1/chat/completions` request body. */
export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  tools?: unknown[];
  [key: string]: unknown;
}

/** A non-streaming chat completion response. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: string;
      content: string | null;
      reasoning_content?: string;
      tool_calls?: unknown[];
      [key: string]: unknown;
    };
    finish_reason: string | null;
    [key: string]: unknown;
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number; [key: string]: unknown };
  [key: string]: unknown;
}

/** Text of one message: the string content, or its text parts joined by newlines. */
export function messageText(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (part && typeof part === 'object' && part.type === 'text' && typeof part.text === 'string') {
      text = text ? `${text}\n${part.text}` : part.text;
    }
  }
  return text;
}
