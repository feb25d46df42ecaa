import { describe, expect, it } from 'vitest';
import { createHashingEmbedder } from '../hashing-embedder.js';
import { numbersMatch, numbersOf } from '../response-cache/number-guard.js';
import { buildParaphrasePairs } from './build-paraphrase-pairs.js';
import {
  formatTuneReport,
  type LabelledPair,
  parseLabelledPairs,
  tuneSimilarityThreshold,
} from './tune-threshold.js';

// Synthetic questions written for this test (the shared datasets are never copied into tests).
const questions = Array.from({ length: 60 }, (_, index) => ({
  question:
    index % 3 === 0
      ? `What is the value of ${index + 7} multiplied by ${index + 3} in base ten arithmetic?`
      : index % 3 === 1
        ? `Which of the following best describes the role of enzyme number ${index} in cellular respiration?`
        : `Explain why the court ruled on precedent case ${index} concerning contract law and damages.`,
  category: ['math', 'biology', 'law'][index % 3] as string,
}));

describe('number guard', () => {
  it('compares the numbers of two texts in order, normalising thousands separators', () => {
    expect(numbersOf('Add 1,000 and 2.5 then 3')).toEqual(['1000', '2.5', '3']);
    expect(numbersMatch('What is 15% of 80?', 'what is 15 percent of 80')).toBe(true);
    expect(numbersMatch('What is 15% of 80?', 'What is 15% of 90?')).toBe(false);
    expect(numbersMatch('no numbers', 'none here either')).toBe(true);
  });
});

describe('buildParaphrasePairs', () => {
  it('builds deterministic paraphrase and non-paraphrase pairs of every kind', () => {
    const pairs = buildParaphrasePairs(questions, { anchors: 30, seed: 7 });
    expect(buildParaphrasePairs(questions, { anchors: 30, seed: 7 })).toEqual(pairs);
    const kinds = new Set(pairs.map((pair) => pair.kind));
    expect([...kinds].sort()).toEqual([
      'closest-same-category',
      'number-changed',
      'same-category',
      'surface-or-wrapper',
      'synonyms-typos',
    ]);
    for (const pair of pairs.filter((candidate) => candidate.kind === 'number-changed')) {
      expect(pair.paraphrase).toBe(false);
      expect(numbersMatch(pair.a, pair.b)).toBe(false);
    }
    expect(pairs.filter((pair) => pair.paraphrase)).toHaveLength(60);
  });
});

describe('tuneSimilarityThreshold', () => {
  const embedder = createHashingEmbedder({ dimensions: 256 });

  it('reports hit and false-hit rates per threshold and recommends the lowest threshold within the target', async () => {
    const pairs = buildParaphrasePairs(questions, { anchors: 60, seed: 1 });
    const result = await tuneSimilarityThreshold({ pairs, embedder, targetFalseHitRate: 0.05 });
    expect(result.rows.map((row) => row.threshold)).toEqual([0.75, 0.8, 0.85, 0.9, 0.95]);
    for (let index = 1; index < result.rows.length; index++) {
      expect(result.rows[index]?.hitRate).toBeLessThanOrEqual(result.rows[index - 1]?.hitRate as number);
      expect(result.rows[index]?.falseHitRate).toBeLessThanOrEqual(
        result.rows[index - 1]?.falseHitRate as number,
      );
    }
    expect(result.recommended?.falseHitRate).toBeLessThanOrEqual(0.05);
    expect(result.byKind['number-changed']?.hitShare).toBe(0);
    expect(formatTuneReport(result)).toMatch(/recommended similarity_threshold: 0\.\d\d/);
    const unguarded = await tuneSimilarityThreshold({
      pairs,
      embedder,
      numberGuard: false,
      targetFalseHitRate: 0.05,
    });
    expect(unguarded.byKind['number-changed']?.meanSimilarity).toBeGreaterThan(0.9);
    expect(unguarded.rows[0]?.falseHitRate).toBeGreaterThan(result.rows[0]?.falseHitRate as number);
  });

  it('says so when no threshold meets the target', async () => {
    const pairs: LabelledPair[] = [
      { a: 'the same words', b: 'the same words', paraphrase: false },
      { a: 'alpha beta', b: 'alpha beta', paraphrase: true },
    ];
    const result = await tuneSimilarityThreshold({ pairs, embedder, targetFalseHitRate: 0 });
    expect(result.recommended).toBeUndefined();
    expect(formatTuneReport(result)).toMatch(/no threshold/);
  });

  it('parses JSON Lines in the accepted shapes and rejects malformed lines', () => {
    const text = [
      '{"a":"x","b":"y","paraphrase":true}',
      '{"query":"x","cached":"z","label":0,"kind":"k"}',
      '',
    ].join('\n');
    expect(parseLabelledPairs(text)).toEqual([
      { a: 'x', b: 'y', paraphrase: true },
      { a: 'x', b: 'z', paraphrase: false, kind: 'k' },
    ]);
    expect(() => parseLabelledPairs('{"a":"x"}')).toThrow(/line 1/);
  });
});
