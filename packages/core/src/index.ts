/**
 * @semroute/core: the pure decision core. Spec interfaces, the v0.3 config schema, signals,
 * rule trees, decisions, request plugins and the router that ties them together.
 *
 * @module
 */

export { importOptionalDependency } from './adapters/import-optional-dependency.js';
export {
  type BackendTarget,
  orderTargetsByWeight,
  resolveBackendTarget,
  resolveBackendTargets,
} from './config/backend-targets.js';
export {
  COMPLEXITY_LEVELS,
  checkConfigSemantics,
  KNOWN_PII_TYPES,
  signalNamesByType,
} from './config/check-config-semantics.js';
export {
  DEFAULT_AUTO_MODEL_NAMES,
  DEFAULT_PORTS,
  HEADER_SCHEMA_VERSION,
  HEADERS,
} from './config/defaults.js';
export { closestMatch, didYouMean, levenshtein } from './config/did-you-mean.js';
export { type ImportV01Result, importV01Config, importV01ConfigText } from './config/import-v01-config.js';
export {
  formatConfigPath,
  type ParsedRouterConfig,
  type ParseRouterConfigOptions,
  parseRouterConfig,
  validateRouterConfig,
} from './config/parse-router-config.js';
export * from './config/router-config-schema.js';
export { type DecisionCandidate, rankDecisions } from './decide/select-decision.js';
export * from './errors/index.js';
export type {
  ChatCompletion,
  ChatCompletionRequest,
  ChatContentPart,
  ChatMessage,
} from './openai/chat-types.js';
export { messageText } from './openai/chat-types.js';
export {
  type CompletionCollector,
  createCompletionCollector,
  reconstructCompletionFromSse,
} from './openai/reconstruct-completion.js';
export { type RenderCompletionSseOptions, renderCompletionAsSse } from './openai/render-completion-sse.js';
export { errorBody, syntheticCompletion } from './openai/render-immediate.js';
export {
  createSseParser,
  type SseEvent,
  type SseParser,
  type SseParserOptions,
} from './openai/sse-parser.js';
export {
  parseJsonBody,
  type ValidateChatRequestOptions,
  validateChatRequest,
} from './openai/validate-chat-request.js';
export {
  applyReasoning,
  applyRequestParams,
  applySystemPrompt,
  applyToolsPolicy,
  bodyModelFor,
  headerMutationsFor,
  KNOWN_CHAT_PARAMETERS,
} from './plugins/request-plugins.js';
export { type Clock, seededRandom, systemClock } from './router/clock.js';
export {
  CORE_SIGNAL_KINDS,
  type CreateRouterOptions,
  createRouter,
  fingerprint,
} from './router/create-router.js';
export { type Logger, silentLogger } from './router/logger.js';
export type * from './router/route-types.js';
export { type CompiledRule, compileRule, SignalSlots, type SlotResult } from './rules/evaluate-rule.js';
export { parseLeafName, signalKey } from './rules/signal-key.js';
export {
  BUILT_IN_ALGORITHMS,
  type ModelSelectionAlgorithm,
  type ModelSelectionContext,
  staticSelection,
  weightedSelection,
} from './select/model-selection.js';
export { type AuthzIdentityHeaders, createAuthzSignal } from './signals/authz-signal.js';
export { buildSignalInput, estimateTokens, normalizeHeaders } from './signals/build-signal-input.js';
export { createContextSignal } from './signals/context-signal.js';
export { createConversationSignal } from './signals/conversation-signal.js';
export { KeywordMatcher } from './signals/keyword-matcher.js';
export { createKeywordSignal } from './signals/keyword-signal.js';
export { createMetadataSignal } from './signals/metadata-signal.js';
export { satisfiesPredicate } from './signals/numeric-predicate.js';
export { runSignalExtractors, type SignalRun } from './signals/run-signal-extractors.js';
export { createStructureSignal } from './signals/structure-signal.js';
export type { CacheStoreV1, StoreCallOptions } from './spec/cache-store/v1/cache-store-v1.js';
export type { ClassifierBackendV1 } from './spec/classifier-backend/v1/classifier-backend-v1.js';
export type { EmbeddingBackendV1 } from './spec/embedding-backend/v1/embedding-backend-v1.js';
export type {
  ResponseCacheContext,
  ResponseCacheHit,
  ResponseCacheV1,
} from './spec/response-cache/v1/response-cache-v1.js';
export type {
  SignalExtractorV1,
  SignalInput,
  SignalKind,
  SignalMessage,
  SignalResult,
} from './spec/signal-extractor/v1/signal-extractor-v1.js';
export type {
  SignalDefinitionContext,
  SignalProviderV1,
} from './spec/signal-provider/v1/signal-provider-v1.js';
export type {
  TokenClassifierBackendV1,
  TokenSpan,
} from './spec/token-classifier-backend/v1/token-classifier-backend-v1.js';
export type { TransportResult, TransportV1, UpstreamRequest } from './spec/transport/v1/transport-v1.js';
export type {
  VectorMatch,
  VectorQuery,
  VectorRecord,
  VectorStoreV1,
} from './spec/vector-store/v1/vector-store-v1.js';
