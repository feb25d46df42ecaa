/**
 * Post-processing shared by every backend, so that one model gives the same labels and scores
 * whatever runs it: softmax / sigmoid, masked mean or CLS pooling with L2 normalisation and
 * Matryoshka truncation, and BIO tag merging into character spans.
 *
 * @module
 */
import type { TokenSpan } from '@semroute/core';

/** Softmax (or element-wise sigmoid for multi-label models) of one logit row. */
export function logitsToScores(
  logits: ArrayLike<number>,
  offset: number,
  count: number,
  multiLabel: boolean,
): Float32Array {
  const scores = new Float32Array(count);
  if (multiLabel) {
    for (let j = 0; j < count; j++) scores[j] = 1 / (1 + Math.exp(-logits[offset + j]!));
    return scores;
  }
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < count; j++) max = Math.max(max, logits[offset + j]!);
  let sum = 0;
  for (let j = 0; j < count; j++) {
    const value = Math.exp(logits[offset + j]! - max);
    scores[j] = value;
    sum += value;
  }
  for (let j = 0; j < count; j++) scores[j]! /= sum;
  return scores;
}

/** Reused by {@link bestTokenLabels}: one row of scores, so tagging allocates nothing per token. */
let scratchRow = new Float32Array(64);

/**
 * Per token of one row of `logits [batch, sequence, classes]`: the index of the best label and
 * its softmax probability. Bit-for-bit what {@link logitsToScores} followed by an argmax (first
 * index wins ties) gives, without allocating a score vector per token.
 */
export function bestTokenLabels(
  logits: ArrayLike<number>,
  options: {
    readonly row: number;
    readonly sequence: number;
    readonly classes: number;
    readonly length: number;
  },
): { readonly best: Int32Array; readonly probability: Float32Array } {
  const { row, sequence, classes, length } = options;
  if (scratchRow.length < classes) scratchRow = new Float32Array(classes);
  const scores = scratchRow;
  const best = new Int32Array(length);
  const probability = new Float32Array(length);
  for (let t = 0; t < length; t++) {
    const offset = (row * sequence + t) * classes;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[offset + j]!);
    let sum = 0;
    for (let j = 0; j < classes; j++) {
      const value = Math.exp(logits[offset + j]! - max);
      scores[j] = value;
      sum += value;
    }
    let top = 0;
    let topScore = Math.fround(scores[0]! / sum);
    for (let j = 1; j < classes; j++) {
      const score = Math.fround(scores[j]! / sum);
      if (score > topScore) {
        top = j;
        topScore = score;
      }
    }
    best[t] = top;
    probability[t] = topScore;
  }
  return { best, probability };
}

export type Pooling = 'mean' | 'cls' | 'none';

/**
 * Pools `hidden [batch, seq, dim]` with `mask [batch, seq]` into one vector per row, optionally
 * truncated to `dimensions` (Matryoshka) before L2 normalisation.
 */
export function poolHiddenStates(options: {
  readonly hidden: ArrayLike<number>;
  readonly mask: ArrayLike<number | bigint>;
  readonly batch: number;
  readonly sequence: number;
  readonly width: number;
  readonly pooling: Pooling;
  readonly normalize: boolean;
  readonly dimensions?: number;
}): Float32Array[] {
  const { hidden, mask, batch, sequence, width } = options;
  const target = Math.min(options.dimensions ?? width, width);
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const vector = new Float32Array(target);
    if (options.pooling === 'cls' || options.pooling === 'none') {
      const o = b * sequence * width;
      for (let d = 0; d < target; d++) vector[d] = hidden[o + d]!;
    } else {
      let count = 0;
      for (let t = 0; t < sequence; t++) {
        if (Number(mask[b * sequence + t]) === 0) continue;
        count++;
        const o = (b * sequence + t) * width;
        for (let d = 0; d < target; d++) vector[d]! += hidden[o + d]!;
      }
      const scale = 1 / Math.max(count, 1e-9);
      for (let d = 0; d < target; d++) vector[d]! *= scale;
    }
    if (options.normalize) {
      let norm = 0;
      for (let d = 0; d < target; d++) norm += vector[d]! ** 2;
      norm = Math.max(Math.sqrt(norm), 1e-12);
      for (let d = 0; d < target; d++) vector[d]! /= norm;
    }
    out.push(vector);
  }
  return out;
}

/** Strips a `B-`/`I-`/`E-`/`S-`/`L-`/`U-` prefix; `O` stays `O`. */
export function entityOfTag(tag: string): { readonly prefix: string; readonly entity: string } {
  const match = /^([BIESLU])[-_](.+)$/.exec(tag);
  return match ? { prefix: match[1]!, entity: match[2]! } : { prefix: '', entity: tag };
}

/**
 * Merges per-token tags into entity spans. A token starts a new entity on `B-`/`S-`/`U-`, on a
 * change of entity type, or after an `O`; `I-`/`E-`/`L-` (or a bare type) continue it. The span
 * runs from its first token's start to its last token's end; its score is the mean of the
 * tokens' probabilities. Tokens without offsets (special tokens) are skipped.
 */
export function mergeTokenTags(options: {
  readonly labels: readonly string[];
  /** Per token: index of the best label and its probability. */
  readonly best: Int32Array;
  readonly probability: Float32Array;
  readonly offsets: Int32Array;
  /** Label treated as "outside" (default `O`). */
  readonly outside?: string;
}): TokenSpan[] {
  const outside = options.outside ?? 'O';
  const spans: TokenSpan[] = [];
  let current: { label: string; start: number; end: number; sum: number; count: number } | undefined;
  const close = () => {
    if (current)
      spans.push({
        label: current.label,
        start: current.start,
        end: current.end,
        score: current.sum / current.count,
      });
    current = undefined;
  };
  for (let t = 0; t < options.best.length; t++) {
    const start = options.offsets[t * 2]!;
    const end = options.offsets[t * 2 + 1]!;
    if (start < 0) continue;
    const tag = options.labels[options.best[t]!] ?? outside;
    const { prefix, entity } = entityOfTag(tag);
    if (entity === outside) {
      close();
      continue;
    }
    const startsNew =
      prefix === 'B' || prefix === 'S' || prefix === 'U' || !current || current.label !== entity;
    if (startsNew) {
      close();
      current = { label: entity, start, end, sum: options.probability[t]!, count: 1 };
    } else if (current) {
      current.end = end;
      current.sum += options.probability[t]!;
      current.count += 1;
    }
    if (prefix === 'E' || prefix === 'L' || prefix === 'S' || prefix === 'U') close();
  }
  close();
  return spans;
}

/** Entity labels of a BIO label set (prefixes stripped, `O` removed, order kept). */
export function entityLabels(tags: readonly string[], outside = 'O'): string[] {
  const seen = new Set<string>();
  for (const tag of tags) {
    const { entity } = entityOfTag(tag);
    if (entity !== outside) seen.add(entity);
  }
  return [...seen];
}

/** The `k` best labels of one score vector at or above `threshold`, best first. */
export function topLabels(
  scores: ArrayLike<number>,
  labels: readonly string[],
  options: { readonly k?: number; readonly threshold?: number } = {},
): { readonly label: string; readonly score: number }[] {
  const ranked: { label: string; score: number }[] = [];
  for (let index = 0; index < labels.length; index++) {
    const score = scores[index] ?? 0;
    if (score >= (options.threshold ?? 0)) ranked.push({ label: labels[index]!, score });
  }
  ranked.sort((a, b) => b.score - a.score);
  return ranked.slice(0, options.k ?? ranked.length);
}
