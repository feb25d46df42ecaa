/**
 * Builds the per-request {@link SignalInput} from a validated chat request.
 *
 * @module
 */
import { type ChatCompletionRequest, messageText } from '../openai/chat-types.js';
import type { SignalInput, SignalMessage } from '../spec/signal-extractor/v1/signal-extractor-v1.js';

/**
 * Token-count estimate without a tokenizer: CJK characters count one token each, everything
 * else about four characters per token (the usual rule of thumb for BPE vocabularies), plus a
 * few tokens of framing per message. Cheap and monotone, which is what range checks need.
 */
export function estimateTokens(text: string): number {
  let cjk = 0;
  let other = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (
      (code >= 0x3040 && code <= 0x30ff) ||
      (code >= 0x3400 && code <= 0x9fff) ||
      (code >= 0xac00 && code <= 0xd7af) ||
      (code >= 0xf900 && code <= 0xfaff)
    )
      cjk++;
    else other++;
  }
  return cjk + Math.ceil(other / 4);
}

export interface BuildSignalInputOptions {
  /** Longest text (in UTF-16 units) handed to signals; longer texts keep their head and tail. */
  readonly maxTextLength?: number;
}

function clip(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const half = Math.floor(limit / 2);
  return `${text.slice(0, half)}\n${text.slice(text.length - half)}`;
}

export function buildSignalInput(
  request: ChatCompletionRequest,
  headers: Readonly<Record<string, string>>,
  options: BuildSignalInputOptions = {},
): SignalInput {
  const limit = options.maxTextLength ?? 200_000;
  const messages: SignalMessage[] = [];
  const userTexts: string[] = [];
  let tokenCount = 0;
  for (const message of request.messages) {
    const raw = messageText(message);
    tokenCount += estimateTokens(raw) + 4;
    const text = clip(raw, limit);
    const hasNonTextParts =
      Array.isArray(message.content) && message.content.some((part) => part?.type !== 'text');
    messages.push({ role: message.role, text, hasNonTextParts });
    if (message.role === 'user') userTexts.push(text);
  }
  return {
    text: userTexts.at(-1) ?? '',
    userTexts,
    messages,
    request,
    headers,
    tokenCount,
  };
}

/** Lower-cases header names and joins repeated values with commas. */
export function normalizeHeaders(
  headers: Readonly<Record<string, string | readonly string[] | undefined>> | undefined,
): Record<string, string> {
  const normalized: Record<string, string> = {};
  if (!headers) return normalized;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    normalized[name.toLowerCase()] = typeof value === 'string' ? value : value.join(',');
  }
  return normalized;
}
