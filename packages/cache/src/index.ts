/**
 * @semroute/cache: exact and semantic response cache. Stores live in subpath exports
 * (`@semroute/cache/memory`, `/redis`, `/milvus`, `/hybrid`); their client libraries are loaded
 * lazily.
 *
 * @module
 */

export { createHashingEmbedder, type HashingEmbedderOptions } from './hashing-embedder.js';
export type { Clock } from './internal/clock.js';
export { ADAPTER_DEPENDENCIES } from './internal/import-optional.js';
export { type CacheControl, parseCacheControl } from './response-cache/cache-control.js';
export {
  canonicalJson,
  IGNORED_REQUEST_FIELDS,
  type RequestIdentity,
  requestIdentity,
} from './response-cache/cache-keys.js';
export {
  type CreateResponseCacheOptions,
  createResponseCache,
  type InvalidateTarget,
  type ResponseCache,
  type ResponseCacheEvent,
  type ResponseCacheEventName,
  type ResponseCacheLookupHit,
  type ResponseCacheStats,
  SCOPE_HEADERS,
} from './response-cache/create-response-cache.js';
export {
  type CreateResponseCacheFromConfigOptions,
  createResponseCacheFromConfig,
} from './response-cache/create-response-cache-from-config.js';
export {
  type BuildPairsOptions,
  buildParaphrasePairs,
  type QuestionRecord,
} from './tune/build-paraphrase-pairs.js';
export {
  formatTuneReport,
  type LabelledPair,
  pairSimilarities,
  parseLabelledPairs,
  type ThresholdRow,
  type TuneThresholdOptions,
  type TuneThresholdResult,
  tuneSimilarityThreshold,
} from './tune/tune-threshold.js';
