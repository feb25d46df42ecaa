/**
 * Validation of an incoming chat-completions body. Anything a client can send is either
 * accepted as a {@link ChatCompletionRequest} or rejected with an {@link InvalidRequestError}
 * that names the offending field; nothing throws anything else.
 *
 * @module
 */
import { InvalidRequestError } from '../errors/invalid-request-error.js';
import type { ChatCompletionRequest } from './chat-types.js';

export interface ValidateChatRequestOptions {
  /** Largest number of messages accepted. Default 10,000. */
  readonly maxMessages?: number;
  /** Deepest JSON nesting accepted (objects and arrays). Default 64. */
  readonly maxDepth?: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function depthExceeds(value: unknown, limit: number): boolean {
  // Iterative walk: a hostile body must not blow the stack of the validator itself.
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children)
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** Parses raw bytes or text as JSON, or passes an already-parsed value through. */
export function parseJsonBody(body: unknown): unknown {
  if (body instanceof Uint8Array) {
    let text: string;
    try {
      text = decoder.decode(body);
    } catch {
      throw new InvalidRequestError({ message: 'request body is not valid UTF-8' });
    }
    return parseJsonBody(text);
  }
  if (typeof body === 'string') {
    if (body.trim() === '')
      throw new InvalidRequestError({
        message: 'request body is empty; expected a JSON chat-completions request',
      });
    try {
      return JSON.parse(body);
    } catch (error) {
      throw new InvalidRequestError({
        message: `request body is not valid JSON: ${(error as Error).message}`,
      });
    }
  }
  return body;
}

/** Validates a parsed body as a chat-completions request. */
export function validateChatRequest(
  value: unknown,
  options: ValidateChatRequestOptions = {},
): ChatCompletionRequest {
  const maxMessages = options.maxMessages ?? 10_000;
  const maxDepth = options.maxDepth ?? 64;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRequestError({
      message: 'request body must be a JSON object (a chat-completions request)',
    });
  }
  if (depthExceeds(value, maxDepth)) {
    throw new InvalidRequestError({ message: `request body is nested deeper than ${maxDepth} levels` });
  }
  const body = value as Record<string, unknown>;
  if (body.model === undefined)
    throw new InvalidRequestError({ message: 'you must provide a model parameter', param: 'model' });
  if (typeof body.model !== 'string' || body.model.trim() === '') {
    throw new InvalidRequestError({ message: '"model" must be a non-empty string', param: 'model' });
  }
  if (!Array.isArray(body.messages)) {
    throw new InvalidRequestError({
      message: '"messages" must be an array of chat messages',
      param: 'messages',
    });
  }
  if (body.messages.length === 0) {
    throw new InvalidRequestError({
      message: '"messages" must contain at least one message',
      param: 'messages',
    });
  }
  if (body.messages.length > maxMessages) {
    throw new InvalidRequestError({
      message: `"messages" has ${body.messages.length} entries; the limit is ${maxMessages}`,
      param: 'messages',
    });
  }
  body.messages.forEach((message: unknown, index: number) => {
    const param = `messages[${index}]`;
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      throw new InvalidRequestError({ message: `${param} must be an object with a role`, param });
    }
    const record = message as Record<string, unknown>;
    if (typeof record.role !== 'string' || record.role === '')
      throw new InvalidRequestError({ message: `${param}.role must be a string`, param: `${param}.role` });
    const content = record.content;
    if (content === undefined || content === null || typeof content === 'string') return;
    if (!Array.isArray(content)) {
      throw new InvalidRequestError({
        message: `${param}.content must be a string, an array of content parts or null`,
        param: `${param}.content`,
      });
    }
    content.forEach((part: unknown, partIndex: number) => {
      if (
        part === null ||
        typeof part !== 'object' ||
        typeof (part as Record<string, unknown>).type !== 'string'
      ) {
        throw new InvalidRequestError({
          message: `${param}.content[${partIndex}] must be a content part with a type`,
          param: `${param}.content[${partIndex}]`,
        });
      }
      const typed = part as Record<string, unknown>;
      if (typed.type === 'text' && typeof typed.text !== 'string') {
        throw new InvalidRequestError({
          message: `${param}.content[${partIndex}].text must be a string`,
          param: `${param}.content[${partIndex}].text`,
        });
      }
    });
  });
  if (body.stream !== undefined && typeof body.stream !== 'boolean') {
    throw new InvalidRequestError({ message: '"stream" must be a boolean', param: 'stream' });
  }
  return body as ChatCompletionRequest;
}
