/**
 * transformers.js (`@huggingface/transformers`) backends. transformers.js loads the folder (its
 * model class for the task, the ONNX session on onnxruntime-node, dtype and device handling),
 * with remote loading disabled unless `allowRemoteModels` is set. Inference then runs through
 * the same code as the onnx and wasm backends ({@link createOrtClassifier} and friends): this
 * package's tokenizer, batched padding and post-processing, with the loaded transformers.js model
 * standing in for the ONNX session. So token ids, pooling, normalisation and scores are the
 * same as on the other backends by construction, spans carry character offsets, and a
 * micro-batch costs one model call (the library's pipelines tokenise and post-process text by
 * text, which no batching can amortise).
 *
 * @module
 */
import { dirname, basename as pathBasename } from 'node:path';
import type { ClassifierBackendV1, EmbeddingBackendV1, TokenClassifierBackendV1 } from '@semroute/core';
import { ModelLoadError } from '@semroute/core';
import {
  createOrtClassifier,
  createOrtEmbedder,
  createOrtTokenClassifier,
  type OrtBackendOptions,
} from '../backends/ort-backends.js';
import { importLib } from '../internal/import-lib.js';
import type { ModelFolder } from '../model/model-folder.js';
import type { TokenizerImplementation } from '../model/text-tokenizer.js';
import type { OrtEngine, OrtSessionLike, OrtTensorLike } from '../runtime/ort-types.js';
import type { Pooling } from '../runtime/post-process.js';

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
   * `auto` (default): the BERT WordPiece fast path where the tokenizer files allow it;
   * `library`: always `@huggingface/tokenizers`. Same ids either way (and as the onnx/wasm
   * backends): every task tokenises through this package, not inside transformers.js.
   */
  readonly tokenizer?: TokenizerImplementation;
}

/** The transformers.js model class each backend loads (what its pipeline for the task uses). */
type ModelClassName = 'AutoModelForSequenceClassification' | 'AutoModelForTokenClassification' | 'AutoModel';

/** A loaded transformers.js model: callable with named tensors, one ONNX session named `model`. */
interface PretrainedModelLike {
  (inputs: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  readonly sessions: Record<
    string,
    { readonly inputNames: readonly string[]; readonly outputNames: readonly string[] } | undefined
  >;
  dispose?(): Promise<unknown>;
}

interface TransformersModule
  extends Record<
    ModelClassName,
    { from_pretrained(model: string, options: Record<string, unknown>): Promise<PretrainedModelLike> }
  > {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  Tensor: OrtEngine['ort']['Tensor'];
}

/** transformers.js keeps its env on the module; loads are serialised so each sees its own path. */
let loading: Promise<unknown> = Promise.resolve();

async function loadPretrainedModel(
  lib: TransformersModule,
  modelClass: ModelClassName,
  options: TransformersBackendOptions,
): Promise<PretrainedModelLike> {
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
      const model = await lib[modelClass].from_pretrained(folder.modelId, {
        dtype: folder.dtype,
        device: options.device ?? 'cpu',
        local_files_only: !(options.allowRemoteModels ?? false),
        subfolder: dirname(folder.onnxFile),
        model_file_name: modelFileName,
        session_options: { intraOpNumThreads: options.intraOpNumThreads ?? 1, interOpNumThreads: 1 },
      });
      if (!model.sessions.model) {
        await model.dispose?.();
        throw new Error(`${modelClass} loaded no session named "model"`);
      }
      return model;
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
  return result;
}

/**
 * An {@link OrtEngine} over transformers.js for one folder: its "session" is the loaded
 * transformers.js model, called with the padded batch (transformers.js picks the inputs its
 * session declares and returns the named outputs, `logits` for the classification heads).
 */
async function createTransformersEngine(
  modelClass: ModelClassName,
  options: TransformersBackendOptions,
): Promise<OrtEngine> {
  const lib = (options.lib ??
    (await importLib(
      '@huggingface/transformers',
      () => import('@huggingface/transformers'),
    ))) as unknown as TransformersModule;
  const { folder } = options;
  return {
    provider: TRANSFORMERS_PROVIDER,
    ort: lib,
    async createSession(onnxPath): Promise<OrtSessionLike> {
      if (onnxPath !== folder.onnxPath) {
        // Bound to one folder: transformers.js resolves the file from the folder and dtype.
        throw new ModelLoadError({
          message: `transformers.js: engine for ${folder.onnxPath} asked to load ${onnxPath}`,
          path: onnxPath,
        });
      }
      const model = await loadPretrainedModel(lib, modelClass, options);
      const session = model.sessions.model!;
      return {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        run: (feeds) => model(feeds),
        release: async () => {
          await model.dispose?.();
        },
      };
    },
  };
}

async function ortOptions(
  modelClass: ModelClassName,
  options: TransformersBackendOptions,
): Promise<OrtBackendOptions> {
  return {
    folder: options.folder,
    engine: await createTransformersEngine(modelClass, options),
    maxBatchSize: options.maxBatchSize ?? 64,
    ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
  };
}

/** Sequence classifier (softmax, or sigmoid when `problem_type` is multi-label). */
export async function createTransformersClassifier(
  options: TransformersBackendOptions,
): Promise<ClassifierBackendV1> {
  return createOrtClassifier(await ortOptions('AutoModelForSequenceClassification', options));
}

/** Token classifier: per-token softmax, BIO tags merged into character spans. */
export async function createTransformersTokenClassifier(
  options: TransformersBackendOptions,
): Promise<TokenClassifierBackendV1> {
  return createOrtTokenClassifier(await ortOptions('AutoModelForTokenClassification', options));
}

export interface TransformersEmbedderOptions extends TransformersBackendOptions {
  /** `mean` (default) or `cls`. Ignored when the model already outputs a sentence embedding. */
  readonly pooling?: Pooling;
  /** Matryoshka truncation before normalisation. */
  readonly dimensions?: number;
}

/** Sentence embeddings: pooling + L2 normalisation (+ Matryoshka truncation). */
export async function createTransformersEmbedder(
  options: TransformersEmbedderOptions,
): Promise<EmbeddingBackendV1> {
  return createOrtEmbedder({
    ...(await ortOptions('AutoModel', options)),
    ...(options.pooling ? { pooling: options.pooling } : {}),
    ...(options.dimensions ? { dimensions: options.dimensions } : {}),
  });
}
