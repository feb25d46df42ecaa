/**
 * `@semroute/classifiers/onnx`: onnxruntime-node backends.
 *
 * @module
 */
import type { ClassifierBackendV1, EmbeddingBackendV1, TokenClassifierBackendV1 } from '@semroute/core';
import {
  createOrtClassifier,
  createOrtEmbedder,
  createOrtTokenClassifier,
} from '../backends/ort-backends.js';
import { type ModelFolderOptions, readModelFolder } from '../model/model-folder.js';
import type { TokenizerImplementation } from '../model/text-tokenizer.js';
import type { Pooling } from '../runtime/post-process.js';
import { createOnnxEngine, ONNX_PROVIDER, type OnnxEngineOptions } from './create-onnx-engine.js';

export { createOnnxEngine, ONNX_PROVIDER, type OnnxEngineOptions };

export type OnnxModelOptions = ModelFolderOptions &
  OnnxEngineOptions & {
    readonly maxBatchSize?: number;
    /** `auto` (default): BERT WordPiece fast path where it applies; `library`: always `@huggingface/tokenizers`. */
    readonly tokenizer?: TokenizerImplementation;
  };

/** Sequence classifier on onnxruntime-node. */
export async function createOnnxClassifier(options: OnnxModelOptions): Promise<ClassifierBackendV1> {
  const folder = await readModelFolder({ ...options, task: 'text-classification' });
  return createOrtClassifier({
    folder,
    engine: await createOnnxEngine(options),
    ...(options.maxBatchSize ? { maxBatchSize: options.maxBatchSize } : {}),
    ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
  });
}

/** Token classifier (BIO → spans) on onnxruntime-node. */
export async function createOnnxTokenClassifier(
  options: OnnxModelOptions,
): Promise<TokenClassifierBackendV1> {
  const folder = await readModelFolder({ ...options, task: 'token-classification' });
  return createOrtTokenClassifier({
    folder,
    engine: await createOnnxEngine(options),
    ...(options.maxBatchSize ? { maxBatchSize: options.maxBatchSize } : {}),
    ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
  });
}

/** Sentence embeddings on onnxruntime-node. */
export async function createOnnxEmbedder(
  options: OnnxModelOptions & { readonly pooling?: Pooling; readonly dimensions?: number },
): Promise<EmbeddingBackendV1> {
  const folder = await readModelFolder({ ...options, task: 'feature-extraction' });
  return createOrtEmbedder({
    folder,
    engine: await createOnnxEngine(options),
    ...(options.pooling ? { pooling: options.pooling } : {}),
    ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
    ...(options.dimensions ? { dimensions: options.dimensions } : {}),
  });
}
