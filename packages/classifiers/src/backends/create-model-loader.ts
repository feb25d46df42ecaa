/**
 * Loads models by reference (id under `modelsDir`, or a path) with one backend, caching loaded
 * models so that several signals using the same model share one session and one batching queue.
 *
 * @module
 */
import type {
  ClassifierBackendV1,
  EmbeddingBackendV1,
  TokenClassifierBackendV1,
  TokenSpan,
} from '@semroute/core';
import { type ModelDtype, type ModelFolder, type ModelTask, readModelFolder } from '../model/model-folder.js';
import type { TokenizerImplementation } from '../model/text-tokenizer.js';
import { createBatchQueue } from '../runtime/batch-queue.js';
import type { OrtEngine } from '../runtime/ort-types.js';
import type { Pooling } from '../runtime/post-process.js';
import { createOrtClassifier, createOrtEmbedder, createOrtTokenClassifier } from './ort-backends.js';

export type BackendKind = 'onnx' | 'wasm' | 'transformers';

export interface BatchingOptions {
  /** Largest micro-batch (default 32). */
  readonly maxBatchSize?: number;
  /** Wait for more requests once one arrives, ms (default 0: next tick). */
  readonly maxWaitMs?: number;
  /** Requests waiting before back-pressure rejects new ones (default 1024). */
  readonly maxQueueSize?: number;
}

export interface ModelLoaderOptions {
  readonly backend?: BackendKind;
  /** Folder that holds model ids (default `./models`). */
  readonly modelsDir?: string;
  /** `cpu` (default) or `cuda` (onnx and transformers backends). */
  readonly device?: 'cpu' | 'cuda';
  /** Threads per ONNX session (onnx/transformers) or WASM threads (wasm). Default 1. */
  readonly threads?: number;
  readonly dtype?: ModelDtype;
  readonly batching?: BatchingOptions;
  /** transformers backend only: allow hub downloads (default false). */
  readonly allowRemoteModels?: boolean;
  /** Pooling for embedding models (default mean). */
  readonly pooling?: Pooling;
  /**
   * `auto` (default): texts for standard BERT WordPiece tokenizers go through the fast path
   * (same ids and offsets as `@huggingface/tokenizers`); `library`: always the library. Applies
   * to every backend and task (the transformers backend tokenises here too).
   */
  readonly tokenizer?: TokenizerImplementation;
}

export interface ModelReference {
  readonly model: string;
  readonly configKey?: string;
  readonly onnxFile?: string;
  readonly labelMappingFile?: string;
  /** Matryoshka target dimension (embeddings). */
  readonly dimensions?: number;
}

/** A loaded sequence classifier behind its batching queue. */
export interface LoadedClassifier {
  readonly backend: ClassifierBackendV1;
  readonly folder: ModelFolder;
  classify(text: string, options?: { readonly signal?: AbortSignal }): Promise<Float32Array>;
}

export interface LoadedTokenClassifier {
  readonly backend: TokenClassifierBackendV1;
  readonly folder: ModelFolder;
  classifyTokens(text: string, options?: { readonly signal?: AbortSignal }): Promise<readonly TokenSpan[]>;
}

export interface LoadedEmbedder {
  readonly backend: EmbeddingBackendV1;
  readonly folder: ModelFolder;
  embed(text: string, options?: { readonly signal?: AbortSignal }): Promise<Float32Array>;
  /** Embeds many texts at once (load-time candidate embedding). */
  embedMany(texts: readonly string[]): Promise<Float32Array[]>;
}

export interface ModelLoader {
  readonly backend: BackendKind;
  readonly modelsDir: string;
  loadClassifier(reference: ModelReference): Promise<LoadedClassifier>;
  loadTokenClassifier(reference: ModelReference): Promise<LoadedTokenClassifier>;
  loadEmbedder(reference: ModelReference): Promise<LoadedEmbedder>;
  /** Disposes every loaded model. Idempotent. */
  close(): Promise<void>;
}

export function createModelLoader(options: ModelLoaderOptions = {}): ModelLoader {
  const backend = options.backend ?? 'onnx';
  const modelsDir = options.modelsDir ?? 'models';
  const cache = new Map<string, Promise<unknown>>();
  const disposers: (() => PromiseLike<void> | void)[] = [];
  let enginePromise: Promise<OrtEngine> | undefined;

  const engine = () => {
    enginePromise ??=
      backend === 'wasm'
        ? import('../wasm/create-wasm-engine.js').then(({ createWasmEngine }) =>
            createWasmEngine({ numThreads: options.threads ?? 1 }),
          )
        : import('../onnx/create-onnx-engine.js').then(({ createOnnxEngine }) =>
            createOnnxEngine({ device: options.device ?? 'cpu', intraOpNumThreads: options.threads ?? 1 }),
          );
    return enginePromise;
  };

  const folderOf = (reference: ModelReference, task: ModelTask) =>
    readModelFolder({
      model: reference.model,
      modelsDir,
      task,
      ...(options.dtype ? { dtype: options.dtype } : {}),
      ...(reference.onnxFile ? { onnxFile: reference.onnxFile } : {}),
      ...(reference.labelMappingFile ? { labelMappingFile: reference.labelMappingFile } : {}),
      ...(reference.configKey ? { configKey: reference.configKey } : {}),
    });

  const transformersOptions = (folder: ModelFolder) => ({
    folder,
    allowRemoteModels: options.allowRemoteModels ?? false,
    device: options.device ?? 'cpu',
    intraOpNumThreads: options.threads ?? 1,
    ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
  });
  const ortOptions = async (folder: ModelFolder) => ({
    folder,
    engine: await engine(),
    ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
  });

  const queueOptions = (provider: string, modelId: string) => ({
    maxBatchSize: options.batching?.maxBatchSize ?? 32,
    maxWaitMs: options.batching?.maxWaitMs ?? 0,
    maxQueueSize: options.batching?.maxQueueSize ?? 1024,
    backend: provider,
    modelId,
  });

  function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    let entry = cache.get(key) as Promise<T> | undefined;
    if (!entry) {
      entry = load();
      cache.set(key, entry);
      entry.catch(() => cache.delete(key));
    }
    return entry;
  }

  return {
    backend,
    modelsDir,
    loadClassifier(reference) {
      return cached(`classifier:${reference.model}:${reference.onnxFile ?? ''}`, async () => {
        const folder = await folderOf(reference, 'text-classification');
        const model: ClassifierBackendV1 =
          backend === 'transformers'
            ? await (
                await import('../transformers/create-transformers-backends.js')
              ).createTransformersClassifier(transformersOptions(folder))
            : await createOrtClassifier(await ortOptions(folder));
        disposers.push(() => model.dispose?.());
        const queue = createBatchQueue<string, Float32Array>({
          ...queueOptions(model.provider, model.modelId),
          run: async (texts) => (await model.doClassify({ texts })).scores,
        });
        disposers.push(() => queue.close());
        return { backend: model, folder, classify: (text, callOptions) => queue.push(text, callOptions) };
      });
    },
    loadTokenClassifier(reference) {
      return cached(`tokens:${reference.model}:${reference.onnxFile ?? ''}`, async () => {
        const folder = await folderOf(reference, 'token-classification');
        const model: TokenClassifierBackendV1 =
          backend === 'transformers'
            ? await (
                await import('../transformers/create-transformers-backends.js')
              ).createTransformersTokenClassifier(transformersOptions(folder))
            : await createOrtTokenClassifier(await ortOptions(folder));
        disposers.push(() => model.dispose?.());
        const queue = createBatchQueue<string, readonly TokenSpan[]>({
          ...queueOptions(model.provider, model.modelId),
          run: async (texts) => (await model.doClassifyTokens({ texts })).spans,
        });
        disposers.push(() => queue.close());
        return {
          backend: model,
          folder,
          classifyTokens: (text, callOptions) => queue.push(text, callOptions),
        };
      });
    },
    loadEmbedder(reference) {
      return cached(`embedder:${reference.model}:${reference.dimensions ?? ''}`, async () => {
        const folder = await folderOf(reference, 'feature-extraction');
        const embedderOptions = {
          ...(reference.dimensions ? { dimensions: reference.dimensions } : {}),
          ...(options.pooling ? { pooling: options.pooling } : {}),
        };
        const model: EmbeddingBackendV1 =
          backend === 'transformers'
            ? await (
                await import('../transformers/create-transformers-backends.js')
              ).createTransformersEmbedder({
                ...transformersOptions(folder),
                ...embedderOptions,
              })
            : await createOrtEmbedder({ ...(await ortOptions(folder)), ...embedderOptions });
        disposers.push(() => model.dispose?.());
        const queue = createBatchQueue<string, Float32Array>({
          ...queueOptions(model.provider, model.modelId),
          run: async (texts) => (await model.doEmbed({ texts })).embeddings,
        });
        disposers.push(() => queue.close());
        return {
          backend: model,
          folder,
          embed: (text, callOptions) => queue.push(text, callOptions),
          embedMany: async (texts) => [...(await model.doEmbed({ texts })).embeddings],
        };
      });
    },
    async close() {
      const pending = disposers.splice(0);
      cache.clear();
      for (const dispose of pending.reverse()) await dispose();
    },
  };
}
