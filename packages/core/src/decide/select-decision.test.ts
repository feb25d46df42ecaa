import { describe, expect, it } from 'vitest';
import { rankDecisions } from './select-decision.js';

const candidate = (name: string, priority: number, confidence: number, tier?: number) => ({
  name,
  priority,
  confidence,
  tier,
});

describe('rankDecisions', () => {
  it('priority strategy: priority, then confidence, then name', () => {
    const ranked = rankDecisions(
      [candidate('b', 10, 0.5), candidate('a', 10, 0.5), candidate('c', 10, 0.9), candidate('d', 50, 0.1)],
      'priority',
    );
    expect(ranked.map((entry) => entry.name)).toEqual(['d', 'c', 'a', 'b']);
  });

  it('confidence strategy: confidence, then priority, then name', () => {
    const ranked = rankDecisions(
      [candidate('low', 100, 0.2), candidate('b', 1, 0.9), candidate('a', 5, 0.9), candidate('z', 5, 0.9)],
      'confidence',
    );
    expect(ranked.map((entry) => entry.name)).toEqual(['a', 'z', 'b', 'low']);
  });

  it('considers the lowest tier first; untiered decisions come last', () => {
    const ranked = rankDecisions(
      [candidate('untiered', 1000, 1), candidate('tier2', 900, 1, 2), candidate('tier1', 1, 0.1, 1)],
      'priority',
    );
    expect(ranked.map((entry) => entry.name)).toEqual(['tier1', 'tier2', 'untiered']);
  });
});
