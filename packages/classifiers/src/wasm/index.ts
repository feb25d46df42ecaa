/**
 * `@semroute/classifiers/wasm`: onnxruntime-web (WASM) backends, for Node, browsers and edge.
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
import { createWasmEngine, WASM_PROVIDER, type WasmEngineOptions } from './create-wasm-engine.js';

export { createWasmEngine, WASM_PROVIDER, type WasmEngineOptions };

export type WasmModelOptions = ModelFolderOptions &
  WasmEngineOptions & {
    readonly maxBatchSize?: number;
    /** `auto` (default): BERT WordPiece fast path where it applies; `library`: always `@huggingface/tokenizers`. */
    readonly tokenizer?: TokenizerImplementation;
  };

export async function createWasmClassifier(options: WasmModelOptions): Promise<ClassifierBackendV1> {
  const folder = await readModelFolder({ ...options, task: 'text-classification' });
  return createOrtClassifier({
    folder,
    engine: await createWasmEngine(options),
    ...(options.maxBatchSize ? { maxBatchSize: options.maxBatchSize } : {}),
    ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
  });
}

export async function createWasmTokenClassifier(
  options: WasmModelOptions,
): Promise<TokenClassifierBackendV1> {
  const folder = await readModelFolder({ ...options, task: 'token-classification' });
  return createOrtTokenClassifier({
    folder,
    engine: await createWasmEngine(options),
    ...(options.maxBatchSize ? { maxBatchSize: options.maxBatchSize } : {}),
    ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
  });
}

export async function createWasmEmbedder(
  options: WasmModelOptions & { readonly pooling?: Pooling; readonly dimensions?: number },
): Promise<EmbeddingBackendV1> {
  const folder = await readModelFolder({ ...options, task: 'feature-extraction' });
  return createOrtEmbedder({
    folder,
    engine: await createWasmEngine(options),
    ...(options.pooling ? { pooling: options.pooling } : {}),
    ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
    ...(options.dimensions ? { dimensions: options.dimensions } : {}),
  });
}
