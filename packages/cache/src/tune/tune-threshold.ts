/**
 * Measures a semantic cache's hit rate and false-hit rate over labelled query pairs and
 * recommends a similarity threshold for a target false-hit rate: the logic behind
 * `semroute cache tune --data FILE`.
 *
 * Definitions, per threshold t (a pair "hits" when cosine(embed(a), embed(b)) >= t):
 * - hit rate: share of paraphrase pairs that hit (the cache answers a rephrased question);
 * - false-hit rate: share of non-paraphrase pairs that hit (a different question gets a cached
 *   answer: the error a cache must avoid);
 * - precision: share of hits that are paraphrases, at the file's mix of pairs.
 *
 * @module
 */
import type { EmbeddingBackendV1 } from '@semroute/core';
import { numbersMatch } from '../response-cache/number-guard.js';

export interface LabelledPair {
  readonly a: string;
  readonly b: string;
  /** True when `b` asks the same thing as `a` (a hit is correct). */
  readonly paraphrase: boolean;
  /** Optional pair family, reported separately (e.g. `number-changed`). */
  readonly kind?: string;
}

export interface ThresholdRow {
  readonly threshold: number;
  readonly hitRate: number;
  readonly falseHitRate: number;
  readonly precision: number;
  readonly hits: number;
  readonly falseHits: number;
}

export interface TuneThresholdOptions {
  readonly pairs: readonly LabelledPair[];
  readonly embedder: EmbeddingBackendV1;
  /** Highest acceptable false-hit rate (default 0.01). */
  readonly targetFalseHitRate?: number;
  /** Thresholds to report (default 0.75 to 0.95 in steps of 0.05). */
  readonly reportThresholds?: readonly number[];
  /** Apply the response cache's number guard (a pair can only hit when both texts have the same numbers); default true. */
  readonly numberGuard?: boolean;
  /** Texts per embedding call (default the embedder's maxBatchSize, else 64). */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
}

export interface TuneThresholdResult {
  readonly embedder: string;
  readonly positives: number;
  readonly negatives: number;
  readonly targetFalseHitRate: number;
  /** Rows at the report thresholds. */
  readonly rows: readonly ThresholdRow[];
  /** Lowest threshold (0.50–0.99, step 0.01) whose false-hit rate is within the target; undefined when none is. */
  readonly recommended: ThresholdRow | undefined;
  /** Mean similarity and hit share at the recommended (or 0.8) threshold, per pair kind. */
  readonly byKind: Readonly<
    Record<
      string,
      {
        readonly pairs: number;
        readonly paraphrase: boolean;
        readonly meanSimilarity: number;
        readonly hitShare: number;
      }
    >
  >;
}

const round = (value: number) => Number(value.toFixed(4));

/** Parses JSON Lines of `{a, b, paraphrase}` (or `label: 0|1`, or `query`/`cached` names). */
export function parseLabelledPairs(text: string): LabelledPair[] {
  const pairs: LabelledPair[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim()) return;
    const row = JSON.parse(line) as Record<string, unknown>;
    const a = row.a ?? row.query ?? row.text1;
    const b = row.b ?? row.cached ?? row.text2;
    const label = row.paraphrase ?? row.label ?? row.is_paraphrase;
    if (typeof a !== 'string' || typeof b !== 'string' || label === undefined) {
      throw new Error(`line ${index + 1}: expected {"a": string, "b": string, "paraphrase": boolean}`);
    }
    pairs.push({
      a,
      b,
      paraphrase: label === true || label === 1 || label === '1' || label === 'true',
      ...(typeof row.kind === 'string' ? { kind: row.kind } : {}),
    });
  });
  return pairs;
}

/** Cosine similarity of every pair, in order. */
export async function pairSimilarities(
  pairs: readonly LabelledPair[],
  embedder: EmbeddingBackendV1,
  options: { batchSize?: number; signal?: AbortSignal } = {},
): Promise<number[]> {
  const texts = [...new Set(pairs.flatMap((pair) => [pair.a, pair.b]))];
  const vectors = new Map<string, Float32Array>();
  const batchSize = options.batchSize ?? embedder.maxBatchSize ?? 64;
  for (let start = 0; start < texts.length; start += batchSize) {
    const batch = texts.slice(start, start + batchSize);
    const { embeddings } = await embedder.doEmbed(
      options.signal ? { texts: batch, signal: options.signal } : { texts: batch },
    );
    batch.forEach((text, index) => {
      vectors.set(text, embeddings[index] as Float32Array);
    });
  }
  return pairs.map((pair) => {
    const a = vectors.get(pair.a) as Float32Array;
    const b = vectors.get(pair.b) as Float32Array;
    let dot = 0;
    let normA = 0;
    let normB = 0;
    for (let index = 0; index < a.length; index++) {
      dot += (a[index] as number) * (b[index] as number);
      normA += (a[index] as number) ** 2;
      normB += (b[index] as number) ** 2;
    }
    return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
  });
}

function rowAt(
  threshold: number,
  pairs: readonly LabelledPair[],
  similarities: readonly number[],
  positives: number,
  negatives: number,
): ThresholdRow {
  let hits = 0;
  let falseHits = 0;
  similarities.forEach((similarity, index) => {
    if (similarity + 1e-9 < threshold) return;
    if (pairs[index]?.paraphrase) hits++;
    else falseHits++;
  });
  return {
    threshold: round(threshold),
    hitRate: positives === 0 ? 0 : round(hits / positives),
    falseHitRate: negatives === 0 ? 0 : round(falseHits / negatives),
    precision: hits + falseHits === 0 ? 1 : round(hits / (hits + falseHits)),
    hits,
    falseHits,
  };
}

export async function tuneSimilarityThreshold(options: TuneThresholdOptions): Promise<TuneThresholdResult> {
  const { pairs, embedder } = options;
  const target = options.targetFalseHitRate ?? 0.01;
  const raw = await pairSimilarities(pairs, embedder, {
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // Guarded pairs can never hit; `raw` keeps their similarity for the per-kind report.
  const guard = options.numberGuard ?? true;
  const similarities = raw.map((similarity, index) =>
    guard && !numbersMatch(pairs[index]?.a ?? '', pairs[index]?.b ?? '')
      ? Number.NEGATIVE_INFINITY
      : similarity,
  );
  const positives = pairs.filter((pair) => pair.paraphrase).length;
  const negatives = pairs.length - positives;
  const reportThresholds = options.reportThresholds ?? [0.75, 0.8, 0.85, 0.9, 0.95];
  const rows = reportThresholds.map((threshold) =>
    rowAt(threshold, pairs, similarities, positives, negatives),
  );
  let recommended: ThresholdRow | undefined;
  for (let step = 50; step <= 99; step++) {
    const row = rowAt(step / 100, pairs, similarities, positives, negatives);
    if (row.falseHitRate <= target) {
      recommended = row;
      break;
    }
  }
  const cut = recommended?.threshold ?? 0.8;
  const kinds = new Map<string, { pairs: number; paraphrase: boolean; sum: number; hits: number }>();
  pairs.forEach((pair, index) => {
    const kind = pair.kind ?? (pair.paraphrase ? 'paraphrase' : 'non-paraphrase');
    const entry = kinds.get(kind) ?? { pairs: 0, paraphrase: pair.paraphrase, sum: 0, hits: 0 };
    entry.pairs++;
    entry.sum += raw[index] as number;
    if ((similarities[index] as number) + 1e-9 >= cut) entry.hits++;
    kinds.set(kind, entry);
  });
  const byKind: Record<
    string,
    { pairs: number; paraphrase: boolean; meanSimilarity: number; hitShare: number }
  > = {};
  for (const [kind, entry] of kinds)
    byKind[kind] = {
      pairs: entry.pairs,
      paraphrase: entry.paraphrase,
      meanSimilarity: round(entry.sum / entry.pairs),
      hitShare: round(entry.hits / entry.pairs),
    };
  return {
    embedder: `${embedder.provider}/${embedder.modelId}`,
    positives,
    negatives,
    targetFalseHitRate: target,
    rows,
    recommended,
    byKind,
  };
}

/** Plain-text report for the CLI. */
export function formatTuneReport(result: TuneThresholdResult): string {
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  const lines = [
    `embedder ${result.embedder}: ${result.positives} paraphrase pairs, ${result.negatives} non-paraphrase pairs`,
    'threshold  hit rate  false-hit rate  precision',
    ...result.rows.map(
      (row) =>
        `${row.threshold.toFixed(2).padEnd(9)}  ${percent(row.hitRate).padStart(8)}  ${percent(row.falseHitRate).padStart(14)}  ${percent(row.precision).padStart(9)}`,
    ),
    result.recommended
      ? `recommended similarity_threshold: ${result.recommended.threshold.toFixed(2)} (false-hit rate ${percent(result.recommended.falseHitRate)} <= target ${percent(result.targetFalseHitRate)}, hit rate ${percent(result.recommended.hitRate)})`
      : `no threshold up to 0.99 keeps the false-hit rate within ${percent(result.targetFalseHitRate)}: use exact mode or a better embedder`,
  ];
  return lines.join('\n');
}
