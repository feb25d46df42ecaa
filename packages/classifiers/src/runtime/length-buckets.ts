/**
 * Length bucketing for padded batches: a batch is padded to its longest input, so one long text
 * makes every short one pay for its length. This splits a batch into runs of similar length where
 * the padding saved outweighs the fixed cost of one more session run.
 *
 * @module
 */

/**
 * Token classification splits a batch by length where that saves more padded tokens than this
 * many per extra session run (see {@link planLengthBuckets}); a run of the default PII window
 * model costs about as much as 50 tokens. `Infinity` turns bucketing off.
 */
export const TOKEN_BUCKET_RUN_COST = 48;

/**
 * Groups of input indices (each group ascending by length, groups in ascending length order) that
 * minimise `Σ (runCostTokens + groupSize × longestInGroup)`: the padded cells of every run plus
 * a fixed cost per run, in token units. Exact (dynamic programming over the inputs sorted by
 * length; O(n²), n is a micro-batch). `runCostTokens = Infinity` keeps one group.
 */
export function planLengthBuckets(lengths: readonly number[], runCostTokens: number): number[][] {
  const count = lengths.length;
  if (count <= 1 || runCostTokens === Number.POSITIVE_INFINITY)
    return count === 0 ? [] : [lengths.map((_, i) => i)];
  if (!(runCostTokens >= 0)) throw new RangeError(`runCostTokens must be >= 0, got ${runCostTokens}`);
  // Stable sort, so equal lengths keep their order.
  const order = lengths.map((_, index) => index).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  // cost[j]: cheapest plan for the j shortest inputs; start[j]: where its last group begins.
  const cost = new Float64Array(count + 1);
  const start = new Int32Array(count + 1);
  for (let j = 1; j <= count; j++) {
    const longest = lengths[order[j - 1]!]!;
    cost[j] = Number.POSITIVE_INFINITY;
    for (let i = 0; i < j; i++) {
      const candidate = cost[i]! + runCostTokens + (j - i) * longest;
      if (candidate < cost[j]!) {
        cost[j] = candidate;
        start[j] = i;
      }
    }
  }
  const groups: number[][] = [];
  for (let j = count; j > 0; j = start[j]!) groups.unshift(order.slice(start[j]!, j));
  return groups;
}
