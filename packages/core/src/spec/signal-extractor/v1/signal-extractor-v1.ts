/**
 * Signal extractor contract, version 1. A signal is one named, configured detector
 * (`routing.signals.<family>[]`); decisions reference it as `{type, name}`.
 *
 * @module
 */
import type { SemrouteError } from '../../../errors/semroute-error.js';
import type { ChatCompletionRequest } from '../../../openai/chat-types.js';

/** Signal families of the v0.3 schema, by their leaf `type` in decision rules. */
export type SignalKind =
  | 'keyword'
  | 'embedding'
  | 'domain'
  | 'fact_check'
  | 'user_feedback'
  | 'reask'
  | 'preference'
  | 'language'
  | 'context'
  | 'structure'
  | 'complexity'
  | 'modality'
  | 'authz'
  | 'jailbreak'
  | 'pii'
  | 'kb'
  | 'conversation'
  | 'event'
  | 'metadata'
  | 'classifier'
  | 'projection';

/** One message of the conversation, reduced to what signals read. */
export interface SignalMessage {
  readonly role: string;
  /** Text content; multimodal text parts joined by newlines, other parts ignored. */
  readonly text: string;
  /** True when the message carried non-text parts (images, audio). */
  readonly hasNonTextParts: boolean;
}

/**
 * What every extractor sees for one request. One object per request: extractors that share an
 * expensive step (e.g. several `domain` rules over one classifier call) may memoise on its
 * identity (a `WeakMap` keyed by the input).
 */
export interface SignalInput {
  /** Text of the last user message (the query most signals classify). */
  readonly text: string;
  /** Texts of every user message, oldest first; the last equals `text`. */
  readonly userTexts: readonly string[];
  /** The whole conversation, oldest first. */
  readonly messages: readonly SignalMessage[];
  /** The request body as the client sent it. Must not be mutated. */
  readonly request: Readonly<ChatCompletionRequest>;
  /** Request headers, names lower-cased. Only trusted identity headers should drive authz. */
  readonly headers: Readonly<Record<string, string>>;
  /** Token-count estimate of the whole prompt (all message texts). */
  readonly tokenCount: number;
}

/** Outcome of one extraction. "No match" is a result, not an error. */
export type SignalResult =
  | {
      readonly status: 'matched';
      /** Confidence in [0, 1]. */
      readonly confidence: number;
      /** Labels the signal emitted (e.g. `hard` for complexity, PII types, a domain label). */
      readonly labels?: readonly string[];
      /** Human-readable evidence for explanations and debug headers (matched keywords, ...). */
      readonly evidence?: readonly string[];
    }
  | {
      readonly status: 'unmatched';
      readonly confidence?: number;
      readonly labels?: readonly string[];
      readonly evidence?: readonly string[];
    }
  | { readonly status: 'error'; readonly error: SemrouteError };

/** Extracts one named signal. Side-effect free. */
export interface SignalExtractorV1 {
  readonly specificationVersion: 'v1';
  /** Family, i.e. the leaf `type` decisions use. */
  readonly kind: SignalKind;
  /** Config name, e.g. `legal_vocab`. Unique within its family. */
  readonly name: string;
  /**
   * Extracts the signal. May resolve synchronously-fast; core runs every referenced extractor
   * concurrently with a per-signal timeout and aborts `options.signal` when it expires.
   * Should resolve `{status: 'error'}` rather than reject; a rejection is treated the same.
   */
  extract(
    input: SignalInput,
    options: { readonly signal?: AbortSignal },
  ): PromiseLike<SignalResult> | SignalResult;
}
