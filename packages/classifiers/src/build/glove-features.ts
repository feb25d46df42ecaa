/**
 * Embedding tables and features for the GloVe-based default models. The same functions feed
 * training (in JS) and the ONNX graphs (as initializers), so the trainer's features are exactly
 * what the exported model computes.
 *
 * @module
 */
import type { GloveTable } from './glove-vectors.js';
import { SPECIAL_TOKENS, UNK_ID } from './hf-layout.js';
import type { SequencePooling } from './onnx-graph.js';

const SPECIALS = SPECIAL_TOKENS.length;
/** Zipf normaliser over GloVe's 400k vocabulary: `H = ln(400000) + γ`. */
const HARMONIC = Math.log(400_000) + 0.5772156649;
const SIF_A = 1e-3;

export interface EmbeddingTable {
  /** Vocabulary after the special tokens, in table-row order (row = index + 4). */
  readonly vocabulary: readonly string[];
  readonly dimensions: number;
  /** Row-major `[4 + vocabulary.length, dimensions]`. */
  readonly table: Float32Array;
}

/**
 * SIF weighting (Arora et al. 2017) baked into the rows: row i scaled by `a / (a + p_i)` with
 * `p_i = 1 / ((rank_i + 1) H)`. `[UNK]` gets GloVe's unknown vector; other specials are zero.
 */
export function sifTable(glove: GloveTable): EmbeddingTable {
  const { dimensions } = glove;
  const rows = SPECIALS + glove.words.length;
  const table = new Float32Array(rows * dimensions);
  table.set(glove.unk, UNK_ID * dimensions);
  for (let index = 0; index < glove.words.length; index++) {
    const probability = 1 / ((glove.ranks[index]! + 1) * HARMONIC);
    const weight = SIF_A / (SIF_A + probability);
    const source = index * dimensions;
    const target = (SPECIALS + index) * dimensions;
    for (let d = 0; d < dimensions; d++) table[target + d] = glove.vectors[source + d]! * weight;
  }
  return { vocabulary: glove.words, dimensions, table };
}

/** Mean of table rows for each id list (no normalisation). */
export function meanRows(table: EmbeddingTable, sequences: readonly (readonly number[])[]): Float32Array {
  const { dimensions } = table;
  const out = new Float32Array(sequences.length * dimensions);
  sequences.forEach((ids, row) => {
    const o = row * dimensions;
    for (const id of ids) {
      const source = id * dimensions;
      for (let d = 0; d < dimensions; d++) out[o + d]! += table.table[source + d]!;
    }
    const count = Math.max(ids.length, 1e-9);
    for (let d = 0; d < dimensions; d++) out[o + d]! /= count;
  });
  return out;
}

/** First principal component (uncentred) of row vectors, by power iteration. */
export function firstPrincipalComponent(
  vectors: Float32Array,
  dimensions: number,
  iterations = 50,
): Float32Array {
  const rows = vectors.length / dimensions;
  let u = new Float32Array(dimensions).fill(1 / Math.sqrt(dimensions));
  for (let iteration = 0; iteration < iterations; iteration++) {
    const next = new Float32Array(dimensions);
    for (let r = 0; r < rows; r++) {
      const o = r * dimensions;
      let dot = 0;
      for (let d = 0; d < dimensions; d++) dot += vectors[o + d]! * u[d]!;
      for (let d = 0; d < dimensions; d++) next[d]! += dot * vectors[o + d]!;
    }
    let norm = 0;
    for (let d = 0; d < dimensions; d++) norm += next[d]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dimensions; d++) next[d]! /= norm;
    u = next;
  }
  return u;
}

/** Removes the common component from every row: `E ← E − (E·u)uᵀ` (linear, so pooling commutes). */
export function removeComponent(table: EmbeddingTable, component: Float32Array): EmbeddingTable {
  const { dimensions } = table;
  const out = new Float32Array(table.table);
  for (let r = 0; r < out.length / dimensions; r++) {
    const o = r * dimensions;
    let dot = 0;
    for (let d = 0; d < dimensions; d++) dot += out[o + d]! * component[d]!;
    for (let d = 0; d < dimensions; d++) out[o + d]! -= dot * component[d]!;
  }
  return { ...table, table: out };
}

/** Feature width of a pooling. */
export function pooledWidth(dimensions: number, pooling: SequencePooling): number {
  return (pooling.mean ? dimensions : 0) + (pooling.max ? dimensions : 0);
}

/** The sequence classifier's pooled features, identical to its ONNX graph. */
export function pooledFeatures(
  table: EmbeddingTable,
  sequences: readonly (readonly number[])[],
  pooling: SequencePooling,
): Float32Array {
  const { dimensions } = table;
  const width = pooledWidth(dimensions, pooling);
  const out = new Float32Array(sequences.length * width);
  const means = pooling.mean ? meanRows(table, sequences) : undefined;
  sequences.forEach((ids, row) => {
    let o = row * width;
    if (means) {
      let norm = 0;
      for (let d = 0; d < dimensions; d++) norm += means[row * dimensions + d]! ** 2;
      norm = Math.max(Math.sqrt(norm), 1e-9);
      for (let d = 0; d < dimensions; d++) out[o + d] = means[row * dimensions + d]! / norm;
      o += dimensions;
    }
    if (pooling.max) {
      for (let d = 0; d < dimensions; d++) out[o + d] = Number.NEGATIVE_INFINITY;
      for (const id of ids) {
        const source = id * dimensions;
        for (let d = 0; d < dimensions; d++)
          if (table.table[source + d]! > out[o + d]!) out[o + d] = table.table[source + d]!;
      }
    }
  });
  return out;
}

/** Extra per-row flags of the token table: capitalised, unknown, digits, punctuation. */
export const TOKEN_FLAGS = 4;

/**
 * Token-classification table over a cased vocabulary: the lower-case words plus capitalised
 * forms of the `capitalised` most frequent alphabetic words, each row `[glove | flags]`.
 */
export function tokenTable(glove: GloveTable, options: { readonly capitalised: number }): EmbeddingTable {
  const base = glove.dimensions;
  const dimensions = base + TOKEN_FLAGS;
  const vocabulary: string[] = [...glove.words];
  const sources: number[] = glove.words.map((_, index) => index);
  const capitalisedFlags: boolean[] = glove.words.map(() => false);
  let added = 0;
  for (let index = 0; index < glove.words.length && added < options.capitalised; index++) {
    const word = glove.words[index]!;
    if (!/^[a-z]+$/.test(word)) continue;
    vocabulary.push(word[0]!.toUpperCase() + word.slice(1));
    sources.push(index);
    capitalisedFlags.push(true);
    added++;
  }
  const table = new Float32Array((SPECIALS + vocabulary.length) * dimensions);
  table.set(glove.unk, UNK_ID * dimensions);
  table[UNK_ID * dimensions + base + 1] = 1;
  vocabulary.forEach((word, index) => {
    const target = (SPECIALS + index) * dimensions;
    table.set(glove.vectors.subarray(sources[index]! * base, (sources[index]! + 1) * base), target);
    table[target + base] = capitalisedFlags[index] ? 1 : 0;
    table[target + base + 2] = /^[0-9]+$/.test(word) ? 1 : 0;
    table[target + base + 3] = /^[a-zA-Z0-9]/.test(word) ? 0 : 1;
  });
  return { vocabulary, dimensions, table };
}

/** `[previous | current | next]` rows per token of one sequence, identical to the ONNX graph. */
export function windowFeatures(table: EmbeddingTable, ids: readonly number[]): Float32Array {
  const { dimensions } = table;
  const width = dimensions * 3;
  const out = new Float32Array(ids.length * width);
  for (let t = 0; t < ids.length; t++) {
    for (let k = -1; k <= 1; k++) {
      const id = ids[t + k];
      if (id === undefined) continue;
      out.set(table.table.subarray(id * dimensions, (id + 1) * dimensions), t * width + (k + 1) * dimensions);
    }
  }
  return out;
}
