/**
 * Token-classifier backend contract, version 1 (PII spans). Implemented by
 * `@semroute/classifiers`.
 *
 * @module
 */

/** One entity found in a text. Offsets are UTF-16 code units, end exclusive. */
export interface TokenSpan {
  /** Entity type without B-/I- prefix, e.g. `PERSON`, `EMAIL_ADDRESS` (Presidio names). */
  readonly label: string;
  readonly start: number;
  readonly end: number;
  /** Confidence in [0, 1]. */
  readonly score: number;
}

export interface TokenClassifierBackendV1 {
  readonly specificationVersion: 'v1';
  readonly provider: string;
  readonly modelId: string;
  /** Entity labels the model can emit (without B-/I- prefixes). */
  readonly labels: readonly string[];
  readonly maxBatchSize: number | undefined;
  /**
   * Finds entity spans per text. BIO tags are merged into spans by the adapter.
   * Rejects with `ClassifierError` on failure.
   */
  doClassifyTokens(options: {
    readonly texts: readonly string[];
    readonly signal?: AbortSignal;
  }): PromiseLike<{
    readonly spans: readonly (readonly TokenSpan[])[];
  }>;
  dispose?(): PromiseLike<void>;
}
