/**
 * @semroute/core/test: conformance suites for third-party stores. They take the test runner's
 * functions as a parameter (`harness`), so core has no runtime dependency on vitest.
 *
 * @module
 */
export {
  type CacheStoreConformanceOptions,
  runCacheStoreConformance,
} from './run-cache-store-conformance.js';
export {
  runVectorStoreConformance,
  type VectorStoreConformanceOptions,
} from './run-vector-store-conformance.js';
export {
  type ConformanceSkips,
  type ConformanceTime,
  createManualTime,
  realTime,
  type TestHarness,
} from './test-harness.js';
