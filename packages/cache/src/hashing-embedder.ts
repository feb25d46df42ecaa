/**
 * A deterministic, dependency-free `EmbeddingBackendV1`: hashed bag of words (and optionally
 * word bigrams), L2-normalised. For tests, examples and as a documented stand-in baseline; a
 * real sentence embedder (GloVe-SIF, MiniLM) separates paraphrases far better.
 *
 * @module
 */
import type { EmbeddingBackendV1 } from '@semroute/core';

export interface HashingEmbedderOptions {
  /** Default 256. */
  readonly dimensions?: number;
  /** Also hash adjacent word pairs (default true). */
  readonly bigrams?: boolean;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function createHashingEmbedder(options: HashingEmbedderOptions = {}): EmbeddingBackendV1 {
  const dimensions = options.dimensions ?? 256;
  const bigrams = options.bigrams ?? true;
  const embedOne = (text: string) => {
    const vector = new Float32Array(dimensions);
    const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    const add = (token: string, weight: number) => {
      const hash = fnv1a(token);
      vector[hash % dimensions] =
        (vector[hash % dimensions] as number) + (hash & 0x80000000 ? -weight : weight);
    };
    for (let index = 0; index < words.length; index++) {
      add(words[index] as string, 1);
      if (bigrams && index > 0) add(`${words[index - 1]} ${words[index]}`, 0.5);
    }
    let norm = 0;
    for (const value of vector) norm += value * value;
    if (norm > 0)
      for (let index = 0; index < dimensions; index++)
        vector[index] = (vector[index] as number) / Math.sqrt(norm);
    return vector;
  };
  return {
    specificationVersion: 'v1',
    provider: 'semroute',
    modelId: `hashing-bow-${dimensions}`,
    dimensions,
    maxBatchSize: undefined,
    async doEmbed({ texts }) {
      return { embeddings: texts.map(embedOne) };
    },
  };
}
