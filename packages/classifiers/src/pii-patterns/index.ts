/**
 * `@semroute/classifiers/pii-patterns`: model-free PII recognisers (no heavy dependencies).
 *
 * @module
 */

export {
  COMPROMISE_PERSON_SCORE,
  createPersonRecognizer,
  type PersonRecognizer,
} from './person-recognizer.js';
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
