/**
 * Model selection among a decision's modelRefs. `static` takes the first ref; `weighted` (alias
 * `random`) draws by `weight` with an injected, seedable random source. Other algorithms plug in
 * through {@link ModelSelectionAlgorithm}.
 *
 * @module
 */
import type { ModelRefConfig } from '../config/router-config-schema.js';
import type { SignalInput } from '../spec/signal-extractor/v1/signal-extractor-v1.js';

export interface ModelSelectionContext {
  readonly decision: string;
  readonly input: SignalInput;
  readonly random: () => number;
  /** The decision's `algorithm` block (type-specific options included). */
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * Orders a decision's modelRefs: the first is used, the rest are failover candidates.
 * Must return a permutation of (a subset of) the indices `0..refs.length-1`, best first.
 */
export interface ModelSelectionAlgorithm {
  readonly name: string;
  select(
    refs: readonly ModelRefConfig[],
    context: ModelSelectionContext,
  ): readonly number[] | PromiseLike<readonly number[]>;
}

export const staticSelection: ModelSelectionAlgorithm = {
  name: 'static',
  select: (refs) => refs.map((_, index) => index),
};

/** Weighted draw without replacement: the first pick is proportional to weight, and so on. */
export const weightedSelection: ModelSelectionAlgorithm = {
  name: 'weighted',
  select(refs, context) {
    const remaining = refs.map((ref, index) => ({ index, weight: ref.weight }));
    const order: number[] = [];
    while (remaining.length > 0) {
      const total = remaining.reduce((sum, item) => sum + item.weight, 0);
      let pick = 0;
      if (total > 0) {
        let target = context.random() * total;
        pick = remaining.findIndex((item) => {
          target -= item.weight;
          return target < 0;
        });
        if (pick < 0) pick = remaining.length - 1;
      }
      order.push(remaining[pick]!.index);
      remaining.splice(pick, 1);
    }
    return order;
  },
};

export const BUILT_IN_ALGORITHMS: Readonly<Record<string, ModelSelectionAlgorithm>> = {
  static: staticSelection,
  weighted: weightedSelection,
  random: weightedSelection,
};
