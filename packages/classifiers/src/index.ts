/**
 * @semroute/classifiers: learned signals for semroute. Model backends (onnxruntime-node,
 * onnxruntime-web/WASM, transformers.js) over Hugging Face-layout folders, offline default
 * models built from GloVe vectors, PII pattern recognisers, fastText language ID, and the
 * signal provider the router uses for domain, jailbreak, pii, embedding, language, complexity,
 * classifier, fact_check, user_feedback, preference and reask signals.
 *
 * @module
 */
export {
  type BackendKind,
  type BatchingOptions,
  createModelLoader,
  type LoadedClassifier,
  type LoadedEmbedder,
  type LoadedTokenClassifier,
  type ModelLoader,
  type ModelLoaderOptions,
  type ModelReference,
} from './backends/create-model-loader.js';
export {
  createOrtClassifier,
  createOrtEmbedder,
  createOrtTokenClassifier,
  type OrtBackendOptions,
  type OrtEmbedderOptions,
} from './backends/ort-backends.js';
export {
  BUILD_VERSION,
  type BuildDefaultModelsOptions,
  type BuildDefaultModelsResult,
  buildDefaultModels,
  canBuildDefaultModels,
  defaultModelsUpToDate,
} from './build/build-default-models.js';
export { hasDataset, resolveDatasetsDir } from './build/datasets.js';
export { DEFAULT_MODEL_IDS } from './build/default-model-ids.js';
export { DEFAULT_HEADS_DIR } from './build/head-files.js';
export { type HeadTask, TRAINING_RECIPES, type TrainHeadsOptions, trainHeads } from './build/train-heads.js';
export { type ClassifyResult, type ClassifyTask, classifyText } from './eval/classify-text.js';
export {
  type ClassificationReport,
  type EntityReport,
  type GoldEntity,
  type LabelMetrics,
  scoreClassification,
  scoreEntities,
} from './eval/evaluate.js';
export {
  type EvalRow,
  type EvalTask,
  type EvaluateOptions,
  type EvaluationResult,
  evaluateModel,
  GATED_PATTERN_ENTITIES,
  readEvalRows,
  validationRows,
} from './eval/evaluate-model.js';
export { type InstalledModel, listModels } from './eval/list-models.js';
export {
  createLanguageIdentifier,
  type LanguageIdentifier,
  type LanguagePrediction,
} from './fasttext/create-language-identifier.js';
export { ADAPTER_DEPENDENCIES } from './internal/import-lib.js';
export {
  type ModelDtype,
  type ModelFolder,
  type ModelFolderOptions,
  type ModelTask,
  readModelFolder,
} from './model/model-folder.js';
export type { TokenizerImplementation } from './model/text-tokenizer.js';
export {
  mergeEntitySpans,
  PATTERN_ENTITIES,
  recognizePatterns,
} from './pii-patterns/pii-pattern-recognizers.js';
export { type BatchQueue, type BatchQueueOptions, createBatchQueue } from './runtime/batch-queue.js';
export {
  entityOfTag,
  logitsToScores,
  mergeTokenTags,
  type Pooling,
  poolHiddenStates,
  topLabels,
} from './runtime/post-process.js';
export {
  type ClassificationService,
  type ClassificationServiceOptions,
  createClassificationService,
} from './service/create-classification-service.js';
export {
  CLASSIFIER_SIGNAL_KINDS,
  type ClassifierSignalProviderOptions,
  createClassifierSignalProvider,
  PROVIDER_NAME,
  type SignalModels,
} from './signals/create-classifier-signal-provider.js';
export { detectPii } from './signals/pii-signal.js';
