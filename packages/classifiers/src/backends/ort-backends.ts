/**
 * Sequence-classification, token-classification and embedding backends over an ONNX session.
 * One implementation serves onnxruntime-node, onnxruntime-web (WASM) and transformers.js; they
 * differ only in the {@link OrtEngine}. Pipeline: tokenise (model's own tokenizer, truncated to its max length) →
 * pad the batch → `session.run` → post-process (softmax/sigmoid, BIO merge, pooling).
 *
 * @module
 */
import type {
  ClassifierBackendV1,
  EmbeddingBackendV1,
  TokenClassifierBackendV1,
  TokenSpan,
} from '@semroute/core';
import { ClassifierError } from '@semroute/core';
import { configMaxLength, type ModelFolder } from '../model/model-folder.js';
import {
  createTextTokenizer,
  type EncodedText,
  type TextTokenizer,
  type TokenizerImplementation,
} from '../model/text-tokenizer.js';
import { planLengthBuckets, TOKEN_BUCKET_RUN_COST } from '../runtime/length-buckets.js';
import type { OrtEngine, OrtSessionLike, OrtTensorLike } from '../runtime/ort-types.js';
import { padBatch } from '../runtime/pad-batch.js';
import {
  bestTokenLabels,
  entityLabels,
  logitsToScores,
  mergeTokenTags,
  type Pooling,
  poolHiddenStates,
} from '../runtime/post-process.js';

export interface OrtBackendOptions {
  readonly folder: ModelFolder;
  readonly engine: OrtEngine;
  /** Largest batch per session run; bigger inputs are split (default 64). */
  readonly maxBatchSize?: number;
  /** Upper bound on tokens per input (default: the model's max length). */
  readonly maxLength?: number;
  /** `auto` (default): BERT WordPiece fast path where it applies; `library`: always `@huggingface/tokenizers`. */
  readonly tokenizer?: TokenizerImplementation;
}

/** A loaded model: tokenizer + session, and a function that runs one padded batch. */
interface LoadedModel {
  readonly tokenizer: TextTokenizer;
  readonly session: OrtSessionLike;
  run(encoded: readonly EncodedText[]): Promise<{
    output: OrtTensorLike;
    outputs: Record<string, OrtTensorLike>;
    mask: BigInt64Array;
    sequence: number;
  }>;
  dispose(): Promise<void>;
}

async function loadModel(options: OrtBackendOptions): Promise<LoadedModel> {
  const { folder, engine } = options;
  const tokenizer = await createTextTokenizer({
    tokenizerJson: folder.tokenizerJson,
    tokenizerConfig: folder.tokenizerConfig,
    ...((options.maxLength ?? configMaxLength(folder))
      ? { maxLength: options.maxLength ?? configMaxLength(folder)! }
      : {}),
    ...(options.tokenizer ? { implementation: options.tokenizer } : {}),
  });
  const session = await engine.createSession(folder.onnxPath, folder.modelId);
  const inputNames = new Set(session.inputNames);
  const needsTypeIds = session.inputNames.includes('token_type_ids');
  const needsPositions = session.inputNames.includes('position_ids');
  const outputName = (preferred: readonly string[]) =>
    preferred.find((name) => session.outputNames.includes(name)) ?? session.outputNames[0]!;
  const primary =
    folder.task === 'feature-extraction'
      ? outputName(['last_hidden_state', 'token_embeddings', 'sentence_embedding'])
      : outputName(['logits']);
  let disposed = false;
  return {
    tokenizer,
    session,
    async run(encoded) {
      const batch = encoded.length;
      const { ids, mask, sequence } = padBatch(encoded, tokenizer.padId);
      const dims = [batch, sequence];
      const feeds: Record<string, OrtTensorLike> = {
        input_ids: new engine.ort.Tensor('int64', ids, dims),
        attention_mask: new engine.ort.Tensor('int64', mask, dims),
      };
      if (needsTypeIds)
        feeds.token_type_ids = new engine.ort.Tensor('int64', new BigInt64Array(batch * sequence), dims);
      if (needsPositions) {
        const positions = new BigInt64Array(batch * sequence);
        for (let row = 0; row < batch; row++)
          for (let t = 0; t < sequence; t++) positions[row * sequence + t] = BigInt(t);
        feeds.position_ids = new engine.ort.Tensor('int64', positions, dims);
      }
      for (const name of Object.keys(feeds)) if (!inputNames.has(name)) delete feeds[name];
      let outputs: Record<string, OrtTensorLike>;
      try {
        outputs = await session.run(feeds);
      } catch (error) {
        throw new ClassifierError({
          message: `${engine.provider}: inference failed for ${folder.modelId}: ${(error as Error).message}`,
          backend: engine.provider,
          modelId: folder.modelId,
          cause: error,
        });
      }
      return { output: outputs[primary]!, outputs, mask, sequence };
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.release?.();
    },
  };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

function checkAborted(signal: AbortSignal | undefined, provider: string, modelId: string): void {
  if (signal?.aborted)
    throw new ClassifierError({ message: 'aborted', code: 'aborted', backend: provider, modelId });
}

/** Sequence classifier (softmax, or sigmoid when `problem_type` is multi-label). */
export async function createOrtClassifier(
  options: OrtBackendOptions,
): Promise<ClassifierBackendV1 & { readonly tokenizer: TextTokenizer }> {
  const { folder, engine } = options;
  const model = await loadModel(options);
  const maxBatchSize = options.maxBatchSize ?? 64;
  const labels = folder.labels;
  return {
    specificationVersion: 'v1',
    provider: engine.provider,
    modelId: folder.modelId,
    labels,
    maxBatchSize,
    tokenizer: model.tokenizer,
    async doClassify({ texts, signal }) {
      const scores: Float32Array[] = [];
      for (const part of chunk(texts, maxBatchSize)) {
        checkAborted(signal, engine.provider, folder.modelId);
        const { output } = await model.run(part.map((text) => model.tokenizer.encode(text)));
        const data = output.data as Float32Array;
        const width = output.dims[output.dims.length - 1]!;
        if (width !== labels.length) {
          throw new ClassifierError({
            message: `${folder.modelId}: model emits ${width} logits but config has ${labels.length} labels`,
            backend: engine.provider,
            modelId: folder.modelId,
          });
        }
        for (let row = 0; row < part.length; row++)
          scores.push(logitsToScores(data, row * width, width, folder.multiLabel));
      }
      return { scores };
    },
    dispose: () => model.dispose(),
  };
}

/** Token classifier: per-token softmax, BIO tags merged into character spans. */
export async function createOrtTokenClassifier(
  options: OrtBackendOptions,
): Promise<TokenClassifierBackendV1 & { readonly tokenizer: TextTokenizer }> {
  const { folder, engine } = options;
  const model = await loadModel(options);
  const maxBatchSize = options.maxBatchSize ?? 64;
  const tags = folder.labels;
  return {
    specificationVersion: 'v1',
    provider: engine.provider,
    modelId: folder.modelId,
    labels: entityLabels(tags),
    maxBatchSize,
    tokenizer: model.tokenizer,
    async doClassifyTokens({ texts, signal }) {
      const spans: TokenSpan[][] = [];
      for (const part of chunk(texts, maxBatchSize)) {
        const encoded = part.map((text) => model.tokenizer.encode(text, { offsets: true }));
        const partSpans: TokenSpan[][] = new Array(part.length);
        // Rows are independent of their padding, so similar lengths run together.
        for (const bucket of planLengthBuckets(
          encoded.map((item) => item.ids.length),
          TOKEN_BUCKET_RUN_COST,
        )) {
          checkAborted(signal, engine.provider, folder.modelId);
          const rows = bucket.map((index) => encoded[index]!);
          const { output, sequence } = await model.run(rows);
          const classes = output.dims[2]!;
          rows.forEach((item, row) => {
            const { best, probability } = bestTokenLabels(output.data as Float32Array, {
              row,
              sequence,
              classes,
              length: item.ids.length,
            });
            partSpans[bucket[row]!] = mergeTokenTags({
              labels: tags,
              best,
              probability,
              offsets: item.offsets!,
            });
          });
        }
        spans.push(...partSpans);
      }
      return { spans };
    },
    dispose: () => model.dispose(),
  };
}

export interface OrtEmbedderOptions extends OrtBackendOptions {
  /** `mean` (default) or `cls`. Ignored when the model already outputs a sentence embedding. */
  readonly pooling?: Pooling;
  /** Matryoshka truncation before normalisation. */
  readonly dimensions?: number;
  /** L2-normalise (default true; the contract requires unit vectors). */
  readonly normalize?: boolean;
}

/** Sentence embeddings: pooling + L2 normalisation (+ Matryoshka truncation). */
export async function createOrtEmbedder(
  options: OrtEmbedderOptions,
): Promise<EmbeddingBackendV1 & { readonly tokenizer: TextTokenizer }> {
  const { folder, engine } = options;
  const dimensions = options.dimensions ?? folder.hiddenSize;
  if (dimensions === undefined) {
    throw new ClassifierError({
      message: `${folder.modelId}: config.json has no hidden_size; pass dimensions`,
      backend: engine.provider,
      modelId: folder.modelId,
    });
  }
  const model = await loadModel(options);
  const maxBatchSize = options.maxBatchSize ?? 64;
  return {
    specificationVersion: 'v1',
    provider: engine.provider,
    modelId: folder.modelId,
    dimensions,
    maxBatchSize,
    tokenizer: model.tokenizer,
    async doEmbed({ texts, signal }) {
      const embeddings: Float32Array[] = [];
      for (const part of chunk(texts, maxBatchSize)) {
        checkAborted(signal, engine.provider, folder.modelId);
        const { output, mask, sequence } = await model.run(part.map((text) => model.tokenizer.encode(text)));
        const rank = output.dims.length;
        embeddings.push(
          ...poolHiddenStates({
            hidden: output.data as Float32Array,
            mask,
            batch: part.length,
            sequence: rank === 3 ? sequence : 1,
            width: output.dims[rank - 1]!,
            pooling: rank === 3 ? (options.pooling ?? 'mean') : 'none',
            normalize: options.normalize ?? true,
            dimensions,
          }),
        );
      }
      return { embeddings };
    },
    dispose: () => model.dispose(),
  };
}
