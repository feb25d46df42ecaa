/**
 * Extractors over sentence embeddings: embedding (candidates, aggregation, global top_k),
 * complexity (hard/easy margin), preference (examples) and reask (similarity to earlier user
 * turns). Candidate texts are embedded once at load time; each request embeds its text once,
 * shared by every signal of the routing block.
 *
 * @module
 */
import type { SignalExtractorV1, SignalInput, SignalResult } from '@semroute/core';
import type { LoadedEmbedder } from '../backends/create-model-loader.js';
import { clamp01, createRequestMemo, dot, errorResult } from './signal-helpers.js';

const queryMemo = createRequestMemo<Float32Array>();

/** The request text's embedding, computed once per request and model. */
export function queryEmbedding(
  model: LoadedEmbedder,
  input: SignalInput,
  text: string,
  signal: AbortSignal | undefined,
): Promise<Float32Array> {
  return queryMemo.get(input, `${model.folder.dir}\u0000${text}`, () =>
    model.embed(text, signal ? { signal } : {}),
  );
}

function similarities(query: Float32Array, candidates: readonly Float32Array[]): number[] {
  return candidates.map((candidate) => dot(query, candidate));
}

export interface EmbeddingSignalEntry {
  readonly name: string;
  readonly threshold: number;
  readonly aggregation: 'max' | 'mean' | 'any';
  readonly candidates: readonly Float32Array[];
}

/**
 * All embedding signals of one routing block. `topK` (global embedding_config.top_k): 1 = only
 * the best-scoring matched signal is emitted, 0 = all matched signals.
 */
export function createEmbeddingFamily(options: {
  readonly model: LoadedEmbedder;
  readonly topK: number;
  readonly minScore: number;
}) {
  const entries: EmbeddingSignalEntry[] = [];
  const familyMemo = createRequestMemo<Map<string, { score: number; matched: boolean }>>();

  const evaluate = (input: SignalInput, signal: AbortSignal | undefined) =>
    familyMemo.get(input, 'family', async () => {
      const query = await queryEmbedding(options.model, input, input.text, signal);
      const scored = entries.map((entry) => {
        const values = similarities(query, entry.candidates);
        const score =
          entry.aggregation === 'mean'
            ? values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1)
            : Math.max(...values);
        return { name: entry.name, score, matched: score >= entry.threshold && score >= options.minScore };
      });
      const matched = scored.filter((entry) => entry.matched).sort((a, b) => b.score - a.score);
      const kept = new Set(
        (options.topK > 0 ? matched.slice(0, options.topK) : matched).map((entry) => entry.name),
      );
      return new Map(
        scored.map((entry) => [entry.name, { score: entry.score, matched: kept.has(entry.name) }]),
      );
    });

  return {
    add(entry: EmbeddingSignalEntry): SignalExtractorV1 {
      entries.push(entry);
      return {
        specificationVersion: 'v1',
        kind: 'embedding',
        name: entry.name,
        async extract(input, callOptions): Promise<SignalResult> {
          try {
            const result = (await evaluate(input, callOptions.signal)).get(entry.name)!;
            const evidence = [`similarity=${result.score.toFixed(3)}`];
            return result.matched
              ? { status: 'matched', confidence: clamp01(result.score), evidence }
              : { status: 'unmatched', confidence: clamp01(result.score), evidence };
          } catch (error) {
            return errorResult('embedding', entry.name, error);
          }
        },
      };
    },
  };
}

/**
 * Complexity: margin = max sim(hard candidates) − max sim(easy candidates); > threshold ⇒ `hard`,
 * < −threshold ⇒ `easy`, else `medium`. Always `matched`, with the level in `labels` (decisions
 * reference it as `name:hard`).
 */
export function createComplexityExtractor(options: {
  readonly name: string;
  readonly model: LoadedEmbedder;
  readonly threshold: number;
  readonly hard: readonly Float32Array[];
  readonly easy: readonly Float32Array[];
}): SignalExtractorV1 {
  return {
    specificationVersion: 'v1',
    kind: 'complexity',
    name: options.name,
    async extract(input, callOptions): Promise<SignalResult> {
      try {
        const query = await queryEmbedding(options.model, input, input.text, callOptions.signal);
        const hard = options.hard.length > 0 ? Math.max(...similarities(query, options.hard)) : 0;
        const easy = options.easy.length > 0 ? Math.max(...similarities(query, options.easy)) : 0;
        const margin = hard - easy;
        const level = margin > options.threshold ? 'hard' : margin < -options.threshold ? 'easy' : 'medium';
        const confidence =
          level === 'medium'
            ? 1 - Math.abs(margin) / Math.max(options.threshold, 1e-9) / 2
            : Math.min(1, 0.5 + Math.abs(margin));
        return {
          status: 'matched',
          confidence: clamp01(confidence),
          labels: [level],
          evidence: [`hard=${hard.toFixed(3)}`, `easy=${easy.toFixed(3)}`, `margin=${margin.toFixed(3)}`],
        };
      } catch (error) {
        return errorResult('complexity', options.name, error);
      }
    },
  };
}

/** Preference: max similarity of the request to the signal's examples (or its description). */
export function createPreferenceExtractor(options: {
  readonly name: string;
  readonly model: LoadedEmbedder;
  readonly threshold: number;
  readonly examples: readonly Float32Array[];
}): SignalExtractorV1 {
  return {
    specificationVersion: 'v1',
    kind: 'preference',
    name: options.name,
    async extract(input, callOptions): Promise<SignalResult> {
      try {
        const query = await queryEmbedding(options.model, input, input.text, callOptions.signal);
        const score = Math.max(...similarities(query, options.examples));
        const evidence = [`similarity=${score.toFixed(3)}`];
        return score >= options.threshold
          ? { status: 'matched', confidence: clamp01(score), evidence }
          : { status: 'unmatched', confidence: clamp01(score), evidence };
      } catch (error) {
        return errorResult('preference', options.name, error);
      }
    },
  };
}

/** Reask: the last user turn is a near-repeat of one of the previous `lookback_turns` user turns. */
export function createReaskExtractor(options: {
  readonly name: string;
  readonly model: LoadedEmbedder;
  readonly threshold: number;
  readonly lookbackTurns: number;
}): SignalExtractorV1 {
  return {
    specificationVersion: 'v1',
    kind: 'reask',
    name: options.name,
    async extract(input, callOptions): Promise<SignalResult> {
      try {
        const previous = input.userTexts
          .slice(0, -1)
          .slice(-options.lookbackTurns)
          .filter((text) => text.trim() !== '');
        if (previous.length === 0) return { status: 'unmatched', confidence: 1 };
        const query = await queryEmbedding(options.model, input, input.text, callOptions.signal);
        const earlier = await Promise.all(
          previous.map((text) => queryEmbedding(options.model, input, text, callOptions.signal)),
        );
        const score = Math.max(...similarities(query, earlier));
        const evidence = [`similarity=${score.toFixed(3)}`];
        return score >= options.threshold
          ? { status: 'matched', confidence: clamp01(score), evidence }
          : { status: 'unmatched', confidence: clamp01(score), evidence };
      } catch (error) {
        return errorResult('reask', options.name, error);
      }
    },
  };
}
