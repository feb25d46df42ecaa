/**
 * Sequence-classifier backend contract, version 1. Implemented by `@semroute/classifiers`
 * (onnxruntime-node, onnxruntime-web/WASM, transformers.js).
 *
 * Contract: adapters do not retry, cache or batch across calls (callers do); no method mutates
 * its inputs; `dispose()` is idempotent.
 *
 * @module
 */
export interface ClassifierBackendV1 {
  readonly specificationVersion: 'v1';
  /** Runtime name, e.g. `onnxruntime-node`, `onnxruntime-web`, `transformers.js`. */
  readonly provider: string;
  /** Model id or folder it was loaded from. */
  readonly modelId: string;
  /** Label names, index-aligned with each score vector. */
  readonly labels: readonly string[];
  /** Largest batch one `doClassify` call accepts; `undefined` = no limit. */
  readonly maxBatchSize: number | undefined;
  /**
   * Classifies a batch. "do" prefix: users call it through a batching queue that adds
   * micro-batching, truncation, timeouts and tracing.
   * `scores[i][j]` = P(labels[j] | texts[i]) (softmax, or sigmoid for multi-label models).
   * Rejects with `ClassifierError` on failure.
   */
  doClassify(options: { readonly texts: readonly string[]; readonly signal?: AbortSignal }): PromiseLike<{
    readonly scores: readonly Float32Array[];
  }>;
  /** Releases native resources. Idempotent. */
  dispose?(): PromiseLike<void>;
}
