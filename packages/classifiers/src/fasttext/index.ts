/**
 * `@semroute/classifiers/fasttext`: fastText lid.176 language identification (model CC-BY-SA-3.0).
 *
 * @module
 */
export {
  createLanguageIdentifier,
  FASTTEXT_PROVIDER,
  type LanguageIdentifier,
  type LanguageIdentifierOptions,
  type LanguagePrediction,
  LID_MODEL_ID,
} from './create-language-identifier.js';
