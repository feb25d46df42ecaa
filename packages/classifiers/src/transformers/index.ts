/**
 * `@semroute/classifiers/transformers`: transformers.js (`@huggingface/transformers`) backends,
 * local folders only unless `allowRemoteModels` is set.
 *
 * @module
 */
import type { ClassifierBackendV1, EmbeddingBackendV1, TokenClassifierBackendV1 } from '@semroute/core';
import { type ModelFolderOptions, readModelFolder } from '../model/model-folder.js';
import type { Pooling } from '../runtime/post-process.js';
import {
  createTransformersClassifier as classifierFromFolder,
  createTransformersEmbedder as embedderFromFolder,
  TRANSFORMERS_PROVIDER,
  type TransformersBackendOptions,
  createTransformersTokenClassifier as tokenClassifierFromFolder,
} from './create-transformers-backends.js';

export { TRANSFORMERS_PROVIDER };

export type TransformersModelOptions = ModelFolderOptions & Omit<TransformersBackendOptions, 'folder'>;

export async function createTransformersClassifier(
  options: TransformersModelOptions,
): Promise<ClassifierBackendV1> {
  return classifierFromFolder({
    ...options,
    folder: await readModelFolder({ ...options, task: 'text-classification' }),
  });
}

export async function createTransformersTokenClassifier(
  options: TransformersModelOptions,
): Promise<TokenClassifierBackendV1> {
  return tokenClassifierFromFolder({
    ...options,
    folder: await readModelFolder({ ...options, task: 'token-classification' }),
  });
}

export async function createTransformersEmbedder(
  options: TransformersModelOptions & { readonly pooling?: Pooling; readonly dimensions?: number },
): Promise<EmbeddingBackendV1> {
  return embedderFromFolder({
    ...options,
    folder: await readModelFolder({ ...options, task: 'feature-extraction' }),
  });
}
