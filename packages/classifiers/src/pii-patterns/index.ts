/**
 * `@semroute/classifiers/pii-patterns`: model-free PII recognisers (no heavy dependencies).
 *
 * @module
 */
export {
  ibanValid,
  luhnValid,
  mergeEntitySpans,
  PATTERN_ENTITIES,
  type PatternEntity,
  type PatternRecognizerOptions,
  recognizePatterns,
  ssnValid,
} from './pii-pattern-recognizers.js';
