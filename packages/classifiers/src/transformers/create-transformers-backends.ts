/**
 * transformers.js (`@huggingface/transformers`) backends: the library's own pipelines load the
 * folder (tokenizer, ONNX session on onnxruntime-node, `id2label`), with remote loading disabled
 * unless `allowRemoteModels` is set. Token classification calls the pipeline's model directly so
 * that spans carry character offsets (the pipeline output has none).
 *
 * @module
 */
import { dirname, basename as pathBasename } from 'node:path';
import type {
  ClassifierBackendV1,
  EmbeddingBackendV1,
  TokenClassifierBackendV1,
  TokenSpan,
} from '@semroute/core';
import { ClassifierError, ModelLoadError } from '@semroute/core';
import { importLib } from '../internal/import-lib.js';
import { configMaxLength, type ModelFolder } from '../model/model-folder.js';
import { createTextTokenizer, type TokenizerImplementation } from '../model/text-tokenizer.js';
import { planLengthBuckets, TOKEN_BUCKET_RUN_COST } from '../runtime/length-buckets.js';
import { padBatch } from '../runtime/pad-batch.js';
import {
  bestTokenLabels,
  entityLabels,
  mergeTokenTags,
  type Pooling,
  poolHiddenStates,
} from '../runtime/post-process.js';

export const TRANSFORMERS_PROVIDER = 'transformers.js';

export interface TransformersBackendOptions {
  readonly folder: ModelFolder;
  /** Allow downloading from the Hugging Face hub (default false: local folders only). */
  readonly allowRemoteModels?: boolean;
  /** `cpu` (default), `cuda` or `webgpu`. */
  readonly device?: 'cpu' | 'cuda' | 'webgpu';
  readonly intraOpNumThreads?: number;
  readonly maxBatchSize?: number;
  /** Inject the module; default `await import('@huggingface/transformers')`. */
  readonly lib?: unknown;
  /**
   * Token classification only (it tokenises through this package for character offsets):
   * `auto` (default) uses the BERT WordPiece fast path where it applies, `library` never does.
   * Classification and embedding pipelines tokenise inside transformers.js.
   */
  readonly tokenizer?: TokenizerImplementation;
}

interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  pipeline(task: string, model: string, options?: Record<string, unknown>): Promise<PipelineLike>;
  Tensor: new (type: string, data: BigInt64Array, dims: number[]) => unknown;
}

interface TensorLike {
  readonly data: Float32Array;
  readonly dims: number[];
}

interface PipelineLike {
  (texts: string | string[], options?: Record<string, unknown>): Promise<unknown>;
  readonly model: ((inputs: Record<string, unknown>) => Promise<{ logits: TensorLike }>) & {
    dispose?(): Promise<void>;
  };
  dispose?(): Promise<void>;
}

/** transformers.js keeps its env on the module; loads are serialised so each sees its own path. */
let loading: Promise<unknown> = Promise.resolve();

async function loadPipeline(
  task: string,
  options: TransformersBackendOptions,
): Promise<{ pipe: PipelineLike; lib: TransformersModule }> {
  const lib = (options.lib ??
    (await importLib(
      '@huggingface/transformers',
      () => import('@huggingface/transformers'),
    ))) as unknown as TransformersModule;
  const { folder } = options;
  const run = async () => {
    lib.env.allowRemoteModels = options.allowRemoteModels ?? false;
    lib.env.allowLocalModels = true;
    lib.env.localModelPath = `${dirname(folder.dir)}/`;
    const file = pathBasename(folder.onnxFile, '.onnx');
    const suffix = { fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4' }[
      folder.dtype
    ];
    const modelFileName = suffix && file.endsWith(suffix) ? file.slice(0, -suffix.length) : file;
    try {
      return await lib.pipeline(task, folder.modelId, {
        dtype: folder.dtype,
        device: options.device ?? 'cpu',
        local_files_only: !(options.allowRemoteModels ?? false),
        subfolder: dirname(folder.onnxFile),
        model_file_name: modelFileName,
        session_options: { intraOpNumThreads: options.intraOpNumThreads ?? 1, interOpNumThreads: 1 },
      });
    } catch (error) {
      throw new ModelLoadError({
        message: `transformers.js: cannot load ${folder.dir}: ${(error as Error).message}`,
        path: folder.dir,
        cause: error,
      });
    }
  };
  const result = loading.then(run, run);
  loading = result.catch(() => undefined);
  return { pipe: await result, lib };
}

function failure(folder: ModelFolder, error: unknown): ClassifierError {
  return new ClassifierError({
    message: `transformers.js: inference failed for ${folder.modelId}: ${(error as Error).message}`,
    backend: TRANSFORMERS_PROVIDER,
    modelId: folder.modelId,
    cause: error,
  });
}

export async function createTransformersClassifier(
  options: TransformersBackendOptions,
): Promise<ClassifierBackendV1> {
  const { folder } = options;
  const { pipe } = await loadPipeline('text-classification', options);
  const index = new Map(folder.labels.map((label, position) => [label, position]));
  return {
    specificationVersion: 'v1',
    provider: TRANSFORMERS_PROVIDER,
    modelId: folder.modelId,
    labels: folder.labels,
    maxBatchSize: options.maxBatchSize ?? 64,
    async doClassify({ texts }) {
      if (texts.length === 0) return { scores: [] };
      let output: { label: string; score: number }[][];
      try {
        const raw = (await pipe([...texts], { top_k: null })) as
          | { label: string; score: number }[]
          | { label: string; score: number }[][];
        output =
          texts.length === 1 && !Array.isArray(raw[0])
            ? [raw as { label: string; score: number }[]]
            : (raw as { label: string; score: number }[][]);
      } catch (error) {
        throw failure(folder, error);
      }
      const scores = output.map((entries) => {
        const vector = new Float32Array(folder.labels.length);
        for (const entry of entries) {
          const position = index.get(entry.label);
          if (position !== undefined) vector[position] = entry.score;
        }
        return vector;
      });
      return { scores };
    },
    dispose: async () => {
      await pipe.dispose?.();
    },
  };
}

export async function createTransformersTokenClassifier(
  options: TransformersBackendOptions,
): Promise<TokenClassifierBackendV1> {
  const { folder } = options;
  const { pipe, lib } = await loadPipeline('token-classification', options);
  // Same tokenizer files and library as the pipeline's; used for ids and character offsets.
  const maxLength = configMaxLength(folder);
  const tokenizer = await createTextTokenizer({
    tokenizerJson: folder.tokenizerJson,
    tokenizerConfig: folder.tokenizerConfig,
    ...(maxLength ? { maxLength } : {}),
    ...(options.tokenizer ? { implementation: options.tokenizer } : {}),
  });
  return {
    specificationVersion: 'v1',
    provider: TRANSFORMERS_PROVIDER,
    modelId: folder.modelId,
    labels: entityLabels(folder.labels),
    maxBatchSize: options.maxBatchSize ?? 64,
    async doClassifyTokens({ texts }) {
      if (texts.length === 0) return { spans: [] };
      const encoded = texts.map((text) => tokenizer.encode(text, { offsets: true }));
      const spans: TokenSpan[][] = new Array(texts.length);
      // Same length bucketing as the onnx/wasm backends (rows do not depend on their padding).
      for (const bucket of planLengthBuckets(
        encoded.map((item) => item.ids.length),
        TOKEN_BUCKET_RUN_COST,
      )) {
        const rows = bucket.map((index) => encoded[index]!);
        const { ids, mask, sequence } = padBatch(rows, tokenizer.padId);
        const dims = [rows.length, sequence];
        let logits: TensorLike;
        try {
          ({ logits } = await pipe.model({
            input_ids: new lib.Tensor('int64', ids, dims),
            attention_mask: new lib.Tensor('int64', mask, dims),
            token_type_ids: new lib.Tensor('int64', new BigInt64Array(ids.length), dims),
          }));
        } catch (error) {
          throw failure(folder, error);
        }
        const classes = logits.dims[2]!;
        rows.forEach((item, row) => {
          const { best, probability } = bestTokenLabels(logits.data, {
            row,
            sequence,
            classes,
            length: item.ids.length,
          });
          spans[bucket[row]!] = mergeTokenTags({
            labels: folder.labels,
            best,
            probability,
            offsets: item.offsets!,
          });
        });
      }
      return { spans };
    },
    dispose: async () => {
      await pipe.dispose?.();
    },
  };
}

export interface TransformersEmbedderOptions extends TransformersBackendOptions {
  readonly pooling?: Pooling;
  readonly dimensions?: number;
}

export async function createTransformersEmbedder(
  options: TransformersEmbedderOptions,
): Promise<EmbeddingBackendV1> {
  const { folder } = options;
  const { pipe } = await loadPipeline('feature-extraction', options);
  const dimensions = options.dimensions ?? folder.hiddenSize;
  if (dimensions === undefined) {
    throw new ClassifierError({
      message: `${folder.modelId}: config.json has no hidden_size; pass dimensions`,
      backend: TRANSFORMERS_PROVIDER,
      modelId: folder.modelId,
    });
  }
  return {
    specificationVersion: 'v1',
    provider: TRANSFORMERS_PROVIDER,
    modelId: folder.modelId,
    dimensions,
    maxBatchSize: options.maxBatchSize ?? 64,
    async doEmbed({ texts }) {
      if (texts.length === 0) return { embeddings: [] };
      let output: TensorLike;
      try {
        output = (await pipe([...texts], {
          pooling: options.pooling ?? 'mean',
          normalize: false,
        })) as TensorLike;
      } catch (error) {
        throw failure(folder, error);
      }
      const width = output.dims[output.dims.length - 1]!;
      // Truncation (Matryoshka) and normalisation are ours, identical across backends.
      const embeddings = poolHiddenStates({
        hidden: output.data,
        mask: new Uint8Array(texts.length).fill(1),
        batch: texts.length,
        sequence: 1,
        width,
        pooling: 'none',
        normalize: true,
        dimensions,
      });
      return { embeddings };
    },
    dispose: async () => {
      await pipe.dispose?.();
    },
  };
}
