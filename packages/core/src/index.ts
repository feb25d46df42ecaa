/**
 * @semroute/core: the pure decision core. Spec interfaces, the v0.3 config schema, signals,
 * rule trees, decisions, request plugins and the router that ties them together.
 *
 * @module
 */
export * from './errors/index.js';
export type { CacheStoreV1, StoreCallOptions } from './spec/cache-store/v1/cache-store-v1.js';
export type { ClassifierBackendV1 } from './spec/classifier-backend/v1/classifier-backend-v1.js';
export type { EmbeddingBackendV1 } from './spec/embedding-backend/v1/embedding-backend-v1.js';
export type { ResponseCacheContext, ResponseCacheHit, ResponseCacheV1 } from './spec/response-cache/v1/response-cache-v1.js';
export type { SignalExtractorV1, SignalInput, SignalKind, SignalMessage, SignalResult } from './spec/signal-extractor/v1/signal-extractor-v1.js';
export type { SignalDefinitionContext, SignalProviderV1 } from './spec/signal-provider/v1/signal-provider-v1.js';
export type { TokenClassifierBackendV1, TokenSpan } from './spec/token-classifier-backend/v1/token-classifier-backend-v1.js';
export type { TransportResult, TransportV1, UpstreamRequest } from './spec/transport/v1/transport-v1.js';
export type { VectorMatch, VectorQuery, VectorRecord, VectorStoreV1 } from './spec/vector-store/v1/vector-store-v1.js';
export type { ChatCompletion, ChatCompletionRequest, ChatContentPart, ChatMessage } from './openai/chat-types.js';
export { messageText } from './openai/chat-types.js';
export { createSseParser, type SseEvent, type SseParser } from './openai/sse-parser.js';
export { type CompletionCollector, createCompletionCollector, reconstructCompletionFromSse } from './openai/reconstruct-completion.js';
export { type RenderCompletionSseOptions, renderCompletionAsSse } from './openai/render-completion-sse.js';
export { checkConfigSemantics, COMPLEXITY_LEVELS, KNOWN_PII_TYPES, signalNamesByType } from './config/check-config-semantics.js';
export { closestMatch, didYouMean, levenshtein } from './config/did-you-mean.js';
export { formatConfigPath, type ParsedRouterConfig, type ParseRouterConfigOptions, parseRouterConfig, validateRouterConfig } from './config/parse-router-config.js';
export * from './config/router-config-schema.js';
export { DEFAULT_AUTO_MODEL_NAMES, DEFAULT_PORTS, HEADER_SCHEMA_VERSION, HEADERS } from './config/defaults.js';
export type * from './router/route-types.js';
