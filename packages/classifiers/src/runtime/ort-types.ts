/**
 * The small structural surface of onnxruntime (node and web builds share it) that the backends
 * use. No onnxruntime types appear in this package's public declarations.
 *
 * @module
 */

export interface OrtTensorLike {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
  dispose?(): void;
}

export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release?(): Promise<void>;
}

export interface OrtModuleLike {
  readonly Tensor: new (
    type: string,
    data: BigInt64Array | Float32Array,
    dims: readonly number[],
  ) => OrtTensorLike;
  readonly InferenceSession: {
    create(model: string | Uint8Array, options?: Record<string, unknown>): Promise<OrtSessionLike>;
  };
  readonly env?: {
    wasm?: { numThreads?: number; simd?: boolean; proxy?: boolean; wasmPaths?: unknown };
    logLevel?: string;
  };
}

/**
 * How a backend obtains sessions: onnxruntime-node, onnxruntime-web (WASM), or a model loaded by
 * transformers.js (which stands in for the session).
 */
export interface OrtEngine {
  /** Provider name reported by backends, e.g. `onnxruntime-node`. */
  readonly provider: string;
  /** Only tensor construction is needed by the backends (transformers.js supplies its own). */
  readonly ort: Pick<OrtModuleLike, 'Tensor'>;
  /** Creates a session for an ONNX file. Rejects with `ClassifierError`/`ModelLoadError`. */
  createSession(onnxPath: string, modelId: string): Promise<OrtSessionLike>;
}
