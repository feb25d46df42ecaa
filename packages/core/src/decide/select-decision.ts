/**
 * Decision selection among the decisions whose rules matched.
 *
 * - `tier`: when any decision sets a tier, matched decisions of the lowest tier are considered
 *   first (decisions without a tier come after every tiered one).
 * - `priority` strategy: priority (higher first), then confidence, then name.
 * - `confidence` strategy: confidence, then priority, then name.
 *
 * @module
 */

export interface DecisionCandidate {
  readonly name: string;
  readonly priority: number;
  readonly tier: number | undefined;
  readonly confidence: number;
}

/** Sorts in place and returns the candidates, best first. */
export function rankDecisions<T extends DecisionCandidate>(
  candidates: T[],
  strategy: 'priority' | 'confidence',
): T[] {
  return candidates.sort((a, b) => {
    const tierA = a.tier ?? Number.POSITIVE_INFINITY;
    const tierB = b.tier ?? Number.POSITIVE_INFINITY;
    if (tierA !== tierB) return tierA - tierB;
    if (strategy === 'priority') {
      if (a.priority !== b.priority) return b.priority - a.priority;
      if (a.confidence !== b.confidence) return b.confidence - a.confidence;
    } else {
      if (a.confidence !== b.confidence) return b.confidence - a.confidence;
      if (a.priority !== b.priority) return b.priority - a.priority;
    }
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}
