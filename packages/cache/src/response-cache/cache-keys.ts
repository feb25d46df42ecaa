/**
 * Cache identities, as the reference router builds them (`pkg/cache/request_identity.go`):
 * the exact fingerprint covers the whole normalised request; the compatibility fingerprint
 * covers everything but the last user message (system prompt, history, tools, parameters must
 * match); the semantic query is the last user message. Fields that never change the answer's
 * content (`model`, which the partition carries, `stream` and `stream_options`, which the
 * partition carries as the protocol, `user`, `metadata`, `store`) are left out.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { type ChatCompletionRequest, type ChatMessage, messageText } from '@semroute/core';

/** Request fields excluded from both fingerprints. */
export const IGNORED_REQUEST_FIELDS: readonly string[] = [
  'model',
  'stream',
  'stream_options',
  'user',
  'metadata',
  'store',
];

const LAST_USER_PLACEHOLDER = '\u0000last-user-message\u0000';

export interface RequestIdentity {
  /** SHA-256 (hex) of the normalised request. */
  readonly exactFingerprint: string;
  /** SHA-256 (hex) of the normalised request with the last user message replaced by a placeholder. */
  readonly compatibilityFingerprint: string;
  /** Text of the last user message ('' when there is none). */
  readonly semanticQuery: string;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with sorted object keys and `undefined`/`null` object members dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined && record[key] !== null)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}

/** A message's content as one string when it is text only (string and text-part forms are equal). */
function normalizeMessage(message: ChatMessage): ChatMessage {
  const content = message.content;
  if (
    Array.isArray(content) &&
    content.every((part) => part && part.type === 'text' && typeof part.text === 'string')
  ) {
    return { ...message, content: messageText(message) };
  }
  return message;
}

function lastUserIndex(messages: readonly ChatMessage[]): number {
  for (let index = messages.length - 1; index >= 0; index--)
    if (messages[index]?.role === 'user') return index;
  return -1;
}

/** Builds the exact and compatibility fingerprints and the semantic query of a request. */
export function requestIdentity(request: Readonly<ChatCompletionRequest>): RequestIdentity {
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(request)) if (!IGNORED_REQUEST_FIELDS.includes(key)) body[key] = request[key];
  const messages = Array.isArray(request.messages) ? request.messages.map(normalizeMessage) : [];
  body.messages = messages;
  const exactFingerprint = sha256(canonicalJson(body));
  const userIndex = lastUserIndex(messages);
  const semanticQuery = userIndex >= 0 ? messageText(messages[userIndex] as ChatMessage) : '';
  const compatMessages = messages.slice();
  if (userIndex >= 0)
    compatMessages[userIndex] = { ...(messages[userIndex] as ChatMessage), content: LAST_USER_PLACEHOLDER };
  const compatibilityFingerprint = sha256(canonicalJson({ ...body, messages: compatMessages }));
  return { exactFingerprint, compatibilityFingerprint, semanticQuery };
}
