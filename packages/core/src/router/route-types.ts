/**
 * The router's contract with transports: `route()` takes one request and returns plain data that
 * says either "continue upstream with these mutations" or "answer now with this response".
 * Transports (ExtProc, HTTP proxy) only render it; they hold no routing logic.
 *
 * @module
 */
import type { RouterConfig } from '../config/router-config-schema.js';
import type { ChatCompletion, ChatCompletionRequest } from '../openai/chat-types.js';
import type { ResponseCacheContext } from '../spec/response-cache/v1/response-cache-v1.js';
import type { SignalKind } from '../spec/signal-extractor/v1/signal-extractor-v1.js';

/** One incoming request as a transport sees it. */
export interface RouteRequest {
  /** Raw body (bytes or text) or an already-parsed JSON value. Core validates it. */
  readonly body: Uint8Array | string | unknown;
  /** Request headers; names are matched case-insensitively. */
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Request path, e.g. `/v1/chat/completions`. */
  readonly path?: string;
}

/** One evaluated signal in the explanation. */
export interface SignalExplanation {
  readonly type: SignalKind;
  readonly name: string;
  readonly status: 'matched' | 'unmatched' | 'error' | 'timeout';
  readonly confidence: number;
  readonly labels?: readonly string[];
  readonly evidence?: readonly string[];
  /** Wall time of the extraction in ms. */
  readonly latencyMs: number;
  /** Error message for `error`/`timeout`. */
  readonly error?: string;
}

/** Why the router did what it did; returned with every outcome. */
export interface RouteExplanation {
  /** Recipe used (`default` for the top-level routing block), null for passthrough/errors. */
  readonly recipe: string | null;
  /** Matched decision name, or null. */
  readonly decision: string | null;
  /** Confidence of the matched decision in [0, 1]. */
  readonly confidence: number;
  /** Logical model (providers.models[].name) chosen, or null. */
  readonly selectedModel: string | null;
  /** Final body `model` (LoRA adapter or provider model id), or null. */
  readonly model: string | null;
  /** Model name the client sent. */
  readonly requestedModel: string | null;
  /** True when a concrete model name skipped signals and decisions. */
  readonly passthrough: boolean;
  /** True when no decision matched and `default_model` was used. */
  readonly usedDefaultModel: boolean;
  /** Selection algorithm that picked the modelRef. */
  readonly algorithm: string | null;
  /** Reasoning applied to the request, when any. */
  readonly reasoning: { readonly enabled: boolean; readonly effort?: string } | null;
  /** Every signal evaluated for this request. */
  readonly signals: readonly SignalExplanation[];
  /** Every decision that matched, best first. */
  readonly matchedDecisions: readonly {
    readonly name: string;
    readonly priority: number;
    readonly confidence: number;
  }[];
  /** Plugins applied, in execution order. */
  readonly plugins: readonly string[];
  /** Estimated prompt tokens. */
  readonly tokenCount: number;
  /** Time spent in `route()`, ms. */
  readonly latencyMs: number;
  /**
   * Where the time of `route()` went, for telemetry (decision latency histogram, trace spans).
   * Present when signals and decisions ran (absent for passthrough and request errors).
   */
  readonly phases?: RoutePhaseTimings;
}

/**
 * Routing phases as offsets from the start of `route()`, ms. Signals run first (concurrently),
 * then the decision rules; a response cache lookup, when the matched decision has one, follows.
 */
export interface RoutePhaseTimings {
  /** Offset at which signal extraction started (after request parsing). */
  readonly signalsStartMs: number;
  /** Wall time of the whole (concurrent) signal extraction. */
  readonly signalsMs: number;
  /** Projections, decision rules and ranking; starts when signal extraction ends. */
  readonly decisionMs: number;
  /** Offset and wall time of the response cache lookup, when one ran. */
  readonly cacheLookupStartMs?: number;
  readonly cacheLookupMs?: number;
}

/** Header changes for the upstream request. */
export interface HeaderMutations {
  /** Headers to set (replacing existing values). Names lower-case. */
  readonly set: Readonly<Record<string, string>>;
  /** Headers to remove. Names lower-case. */
  readonly remove: readonly string[];
}

/** Continue to the upstream model server with these mutations. */
export interface UpstreamOutcome {
  readonly type: 'upstream';
  /** The final request body. */
  readonly body: ChatCompletionRequest;
  /** `body` serialised as JSON (what to send upstream). */
  readonly bodyText: string;
  /** Whether routing changed the body at all (false for a pure passthrough). */
  readonly bodyChanged: boolean;
  /** Logical model name (providers.models[].name); transports look backends up by it. */
  readonly selectedModel: string;
  /** Fallback logical models, in order (remaining modelRefs of the decision). */
  readonly fallbackModels: readonly { readonly model: string; readonly bodyModel: string }[];
  /** Header mutations for the upstream request (`x-selected-model`, header_mutation plugin). */
  readonly requestHeaders: HeaderMutations;
  /** Headers to add to the response the client receives (`x-vsr-*`). */
  readonly responseHeaders: Readonly<Record<string, string>>;
  /** Whether the client asked for SSE. */
  readonly stream: boolean;
  /** Whether the gateway should re-match routes on the new headers (ExtProc `clear_route_cache`). */
  readonly clearRouteCache: boolean;
  /** Present when the response may be cached: hand it to `router.storeResponse()` after a complete 2xx. */
  readonly cacheWrite?: ResponseCacheContext;
  readonly explanation: RouteExplanation;
}

/** Answer the client now; nothing goes upstream. */
export interface ImmediateOutcome {
  readonly type: 'immediate';
  /** Why: a `fast_response` plugin, a cache hit, an error, or a router-answered endpoint. */
  readonly reason: 'fast_response' | 'cache' | 'error' | 'models';
  readonly status: number;
  /** Response headers incl. `content-type` and `x-vsr-*`. Names lower-case. */
  readonly headers: Readonly<Record<string, string>>;
  /** Rendered body: JSON, or SSE text ending in `data: [DONE]` when the client streams. */
  readonly body: string;
  readonly explanation: RouteExplanation;
}

export type RouteOutcome = UpstreamOutcome | ImmediateOutcome;

/** One entry of `GET /v1/models`. */
export interface ModelListEntry {
  readonly id: string;
  readonly object: 'model';
  readonly created: number;
  readonly owned_by: string;
  readonly parent?: string;
}

/** A routing engine built from one config. Immutable: reloads build a new router. */
export interface Router {
  readonly config: RouterConfig;
  /** Routes one chat-completions request. Never rejects for client mistakes: those become immediate 4xx outcomes. */
  route(request: RouteRequest, options?: { readonly signal?: AbortSignal }): Promise<RouteOutcome>;
  /** The `GET /v1/models` list: auto names, entrypoint names, and (when enabled) configured models and adapters. */
  listModels(): { readonly object: 'list'; readonly data: readonly ModelListEntry[] };
  /** Writes a complete 2xx upstream response to the response cache (no-op without one). Never rejects. */
  storeResponse(context: ResponseCacheContext, completion: ChatCompletion): Promise<void>;
  /** Releases signal providers and caches. Idempotent. */
  close(): Promise<void>;
}
