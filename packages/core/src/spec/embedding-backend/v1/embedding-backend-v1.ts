/**
 * Sentence-embedding backend contract, version 1. Used by embedding, complexity, preference and
 * reask signals and by the semantic cache.
 *
 * @module
 */
export interface EmbeddingBackendV1 {
  readonly specificationVersion: 'v1';
  readonly provider: string;
  readonly modelId: string;
  /** Length of every returned vector (after any Matryoshka truncation). */
  readonly dimensions: number;
  readonly maxBatchSize: number | undefined;
  /**
   * Embeds a batch. Vectors are L2-normalised, so a dot product is the cosine similarity.
   * Rejects with `ClassifierError` on failure.
   */
  doEmbed(options: { readonly texts: readonly string[]; readonly signal?: AbortSignal }): PromiseLike<{
    readonly embeddings: readonly Float32Array[];
  }>;
  dispose?(): PromiseLike<void>;
}
