import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bestTokenLabels,
  entityLabels,
  logitsToScores,
  mergeTokenTags,
  poolHiddenStates,
  topLabels,
} from './post-process.js';

describe('logitsToScores', () => {
  it('applies softmax, or element-wise sigmoid for multi-label models', () => {
    const softmax = logitsToScores([0, Math.log(3)], 0, 2, false);
    expect(softmax[0]).toBeCloseTo(0.25, 6);
    expect(softmax[1]).toBeCloseTo(0.75, 6);
    const sigmoid = logitsToScores([9, 0, 0], 1, 2, true);
    expect([...sigmoid]).toEqual([0.5, 0.5]);
  });
});

describe('poolHiddenStates', () => {
  it('mean-pools over the mask, truncates (Matryoshka) and L2-normalises', () => {
    // batch 1, seq 3 (last padded), width 3
    const hidden = [1, 0, 5, 3, 0, 7, 100, 100, 100];
    const [vector] = poolHiddenStates({
      hidden,
      mask: [1n, 1n, 0n],
      batch: 1,
      sequence: 3,
      width: 3,
      pooling: 'mean',
      normalize: true,
      dimensions: 2,
    });
    expect(vector!.length).toBe(2);
    expect(vector![0]).toBeCloseTo(1, 6);
    expect(vector![1]).toBeCloseTo(0, 6);
    const [cls] = poolHiddenStates({
      hidden,
      mask: [1, 1, 0],
      batch: 1,
      sequence: 3,
      width: 3,
      pooling: 'cls',
      normalize: false,
    });
    expect([...cls!]).toEqual([1, 0, 5]);
  });
});

describe('mergeTokenTags', () => {
  const labels = ['O', 'B-PERSON', 'I-PERSON', 'B-GPE', 'I-GPE', 'EMAIL'];
  it('merges BIO tags into character spans with prefixes stripped and mean scores', () => {
    // "John Smith lives in Paris" with a special token first
    const offsets = Int32Array.of(-1, -1, 0, 4, 5, 10, 11, 16, 17, 19, 20, 25);
    const best = Int32Array.of(0, 1, 2, 0, 0, 3);
    const probability = Float32Array.of(1, 0.9, 0.7, 1, 1, 0.6);
    expect(mergeTokenTags({ labels, best, probability, offsets })).toEqual([
      { label: 'PERSON', start: 0, end: 10, score: expect.closeTo(0.8, 6) },
      { label: 'GPE', start: 20, end: 25, score: expect.closeTo(0.6, 6) },
    ]);
  });

  it('starts a new entity on B- and on a type change; bare labels continue', () => {
    const offsets = Int32Array.of(0, 1, 2, 3, 4, 5, 6, 7);
    const spans = mergeTokenTags({
      labels,
      best: Int32Array.of(1, 1, 4, 5),
      probability: Float32Array.of(1, 1, 1, 1),
      offsets,
    });
    expect(spans.map((span) => [span.label, span.start, span.end])).toEqual([
      ['PERSON', 0, 1],
      ['PERSON', 2, 3],
      ['GPE', 4, 5],
      ['EMAIL', 6, 7],
    ]);
    expect(entityLabels(labels)).toEqual(['PERSON', 'GPE', 'EMAIL']);
  });
});

describe('topLabels', () => {
  it('ranks labels, applies the threshold and keeps the top k', () => {
    expect(topLabels([0.1, 0.6, 0.3], ['a', 'b', 'c'], { k: 2 })).toEqual([
      { label: 'b', score: 0.6 },
      { label: 'c', score: 0.3 },
    ]);
    expect(topLabels([0.1, 0.6, 0.3], ['a', 'b', 'c'], { threshold: 0.5 })).toEqual([
      { label: 'b', score: 0.6 },
    ]);
  });
});

describe('bestTokenLabels', () => {
  it('equals logitsToScores + argmax (first index wins ties), bit for bit', () => {
    const logit = fc.oneof(
      fc.float({ min: -30, max: 30, noNaN: true }),
      fc.constantFrom(0, 1, 1 + 2 ** -20, 5, 5 + 1e-7),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(logit, { minLength: 420, maxLength: 420 }),
        (classes, length, values) => {
          const sequence = length + 1;
          const logits = Float32Array.from(values.slice(0, 2 * sequence * classes));
          if (logits.length < 2 * sequence * classes) return;
          const { best, probability } = bestTokenLabels(logits, { row: 1, sequence, classes, length });
          for (let t = 0; t < length; t++) {
            const scores = logitsToScores(logits, (sequence + t) * classes, classes, false);
            let top = 0;
            for (let j = 1; j < classes; j++) if (scores[j]! > scores[top]!) top = j;
            expect(best[t]).toBe(top);
            expect(Object.is(probability[t], scores[top])).toBe(true);
          }
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });
});
