/**
 * Response cache contract, version 1: the router asks it for a cached completion before going
 * upstream, and transports hand it complete 2xx responses afterwards. Implemented by
 * `@semroute/cache` over `CacheStoreV1` / `VectorStoreV1` stores.
 *
 * @module
 */
import type { ResponseCachePluginConfig } from '../../../config/router-config-schema.js';
import type { ChatCompletion, ChatCompletionRequest } from '../../../openai/chat-types.js';

/** Everything that identifies a cacheable request. Plain data; safe to keep until the response ends. */
export interface ResponseCacheContext {
  /** The request body as the client sent it (before routing mutations). */
  readonly request: Readonly<ChatCompletionRequest>;
  /** Request headers, lower-cased (identity headers give the scope; `x-vsr-cache-control`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Recipe name (`default` for the top-level routing block). */
  readonly recipe: string;
  /** Decision that matched. */
  readonly decision: string;
  /** Model name the client asked for (e.g. `auto`). */
  readonly requestedModel: string;
  /** Body model after routing (LoRA adapter or provider model id). */
  readonly selectedModel: string;
  /** Whether the client asked for SSE. */
  readonly stream: boolean;
  /** The decision's `response_cache` plugin configuration, defaults applied. */
  readonly plugin: ResponseCachePluginConfig;
  /** Opaque fingerprint of the decision's policy (modelRefs, plugins); part of the key. */
  readonly policyFingerprint: string;
}

export interface ResponseCacheHit {
  readonly completion: ChatCompletion;
  /** `exact` or `semantic`. */
  readonly kind: 'exact' | 'semantic';
  /** Cosine similarity of the semantic match (1 for exact). */
  readonly similarity: number;
}

export interface ResponseCacheV1 {
  readonly specificationVersion: 'v1';
  /**
   * Finds a cached completion. Resolves `undefined` on a miss. Store failures resolve as a miss
   * under the default `on_error: miss` policy (and are counted); with `on_error: error` they
   * reject with `CacheStoreError`.
   */
  lookup(
    context: ResponseCacheContext,
    options?: { readonly signal?: AbortSignal },
  ): Promise<ResponseCacheHit | undefined>;
  /**
   * Writes a complete 2xx response (streams reconstructed into one completion by the caller).
   * Honours TTL 0, `no-store` request controls and store limits. Never rejects under
   * `on_error: miss`.
   */
  store(
    context: ResponseCacheContext,
    completion: ChatCompletion,
    options?: { readonly signal?: AbortSignal },
  ): Promise<void>;
  close?(): Promise<void>;
}
