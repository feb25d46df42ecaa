import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planLengthBuckets } from './length-buckets.js';
import { padBatch } from './pad-batch.js';

const planCost = (lengths: readonly number[], groups: readonly number[][], runCost: number) =>
  groups.reduce((sum, group) => sum + runCost + group.length * Math.max(...group.map((i) => lengths[i]!)), 0);

describe('planLengthBuckets', () => {
  it('keeps one run when splitting does not pay, splits off a long outlier when it does', () => {
    expect(planLengthBuckets([10, 12, 11], 48)).toEqual([[0, 2, 1]]);
    // 7 short texts padded to 200 would waste 7 × 190 cells; one more run costs 48.
    expect(planLengthBuckets([10, 10, 200, 10, 10, 10, 10, 10], 48)).toEqual([[0, 1, 3, 4, 5, 6, 7], [2]]);
    expect(planLengthBuckets([10, 10, 200], Number.POSITIVE_INFINITY)).toEqual([[0, 1, 2]]);
    expect(planLengthBuckets([], 48)).toEqual([]);
    expect(() => planLengthBuckets([1, 2], -1)).toThrow(RangeError);
  });

  it('covers every input once and is no worse than any contiguous split (exhaustive check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 9 }),
        fc.integer({ min: 0, max: 100 }),
        (lengths, runCost) => {
          const groups = planLengthBuckets(lengths, runCost);
          expect(groups.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
          // Best over all 2^(n-1) ways to cut the length-sorted order.
          const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
          let best = Number.POSITIVE_INFINITY;
          for (let mask = 0; mask < 1 << (order.length - 1); mask++) {
            const split: number[][] = [[]];
            order.forEach((index, k) => {
              if (k > 0 && mask & (1 << (k - 1))) split.push([]);
              split[split.length - 1]!.push(index);
            });
            best = Math.min(best, planCost(lengths, split, runCost));
          }
          expect(planCost(lengths, groups, runCost)).toBe(best);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('padBatch', () => {
  it('pads ids with the pad id and sets the mask over real tokens only', () => {
    const { ids, mask, sequence } = padBatch([{ ids: [5, 70000] }, { ids: [] }, { ids: [2 ** 31 - 1] }], 3);
    expect(sequence).toBe(2);
    expect([...ids]).toEqual([5n, 70000n, 3n, 3n, 2147483647n, 3n]);
    expect([...mask]).toEqual([1n, 1n, 0n, 0n, 1n, 0n]);
    expect(padBatch([], 0).sequence).toBe(1);
  });
});
