/**
 * The default embedder (GloVe-SIF 100-d from @semroute/classifiers, built by `pnpm models:build`
 * into ./models) for the false-hit study: `study:false-hits --embedder-module bench/default-embedder.ts`.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createModelLoader, DEFAULT_MODEL_IDS } from '@semroute/classifiers';
import type { EmbeddingBackendV1 } from '@semroute/core';

export async function createEmbedder(): Promise<EmbeddingBackendV1> {
  const modelsDir =
    process.env.SEMROUTE_MODELS_DIR ?? resolve(fileURLToPath(new URL('../../..', import.meta.url)), 'models');
  const loader = createModelLoader({ modelsDir });
  const loaded = await loader.loadEmbedder({ model: DEFAULT_MODEL_IDS.embedding });
  return loaded.backend;
}
