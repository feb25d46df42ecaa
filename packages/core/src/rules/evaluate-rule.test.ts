import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RuleCondition } from '../config/router-config-schema.js';
import { compileRule, SignalSlots, type SlotResult } from './evaluate-rule.js';

const leaf = (name: string): RuleCondition => ({ type: 'keyword', name });

function evaluate(rule: RuleCondition, values: Record<string, number | null>): number {
  const slots = new SignalSlots();
  const compiled = compileRule(rule, slots);
  const results: SlotResult[] = slots.signals.map(({ name }) => {
    const value = values[name];
    return value === null || value === undefined
      ? { status: 'unmatched', confidence: 0 }
      : { status: 'matched', confidence: value };
  });
  return compiled(results);
}

/** A direct transcription of the reference semantics, for property tests. */
function reference(
  rule: RuleCondition,
  values: Record<string, number | null>,
): { matched: boolean; confidence: number } {
  if (!('operator' in rule)) {
    const value = values[rule.name];
    return value === null || value === undefined
      ? { matched: false, confidence: 0 }
      : { matched: true, confidence: value };
  }
  const children = rule.conditions.map((child) => reference(child, values));
  if (rule.operator === 'AND') {
    if (children.length === 0) return { matched: true, confidence: 0 };
    return children.every((child) => child.matched)
      ? {
          matched: true,
          confidence: children.reduce((sum, child) => sum + child.confidence, 0) / children.length,
        }
      : { matched: false, confidence: 0 };
  }
  if (rule.operator === 'OR') {
    const matched = children.filter((child) => child.matched);
    return matched.length
      ? { matched: true, confidence: Math.max(...matched.map((child) => child.confidence)) }
      : { matched: false, confidence: 0 };
  }
  return children[0]?.matched === false
    ? { matched: true, confidence: 1 }
    : { matched: false, confidence: 0 };
}

describe('rule evaluation', () => {
  it('AND is the mean of its children, OR the best, NOT exactly one child with confidence 1', () => {
    expect(evaluate({ operator: 'AND', conditions: [leaf('a'), leaf('b')] }, { a: 0.6, b: 1 })).toBeCloseTo(
      0.8,
    );
    expect(evaluate({ operator: 'AND', conditions: [leaf('a'), leaf('b')] }, { a: 0.6, b: null })).toBe(-1);
    expect(evaluate({ operator: 'OR', conditions: [leaf('a'), leaf('b')] }, { a: 0.6, b: 0.9 })).toBe(0.9);
    expect(evaluate({ operator: 'OR', conditions: [leaf('a'), leaf('b')] }, { a: null, b: null })).toBe(-1);
    expect(evaluate({ operator: 'NOT', conditions: [leaf('a')] }, { a: null })).toBe(1);
    expect(evaluate({ operator: 'NOT', conditions: [leaf('a')] }, { a: 0.7 })).toBe(-1);
  });

  it('treats an empty AND as a catch-all with confidence 0 and an empty OR as never matching', () => {
    expect(evaluate({ operator: 'AND', conditions: [] }, {})).toBe(0);
    expect(evaluate({ operator: 'OR', conditions: [] }, {})).toBe(-1);
  });

  it('requires the complexity level and a leaf label', () => {
    const slots = new SignalSlots();
    const hard = compileRule({ type: 'complexity', name: 'cx:hard' }, slots);
    const easy = compileRule({ type: 'complexity', name: 'cx:easy' }, slots);
    const results: SlotResult[] = [{ status: 'matched', confidence: 0.8, labels: ['hard'] }];
    expect(slots.signals).toEqual([{ type: 'complexity', name: 'cx' }]);
    expect(hard(results)).toBe(0.8);
    expect(easy(results)).toBe(-1);
  });

  it('applies on_error per leaf', () => {
    const slots = new SignalSlots();
    const error = { status: 'error', error: new Error('boom') } as unknown as SlotResult;
    expect(compileRule({ type: 'domain', name: 'd' }, slots)([error])).toBe(-1);
    expect(compileRule({ type: 'domain', name: 'd', on_error: 'matched' }, slots)([error])).toBe(0);
    expect(() => compileRule({ type: 'domain', name: 'd', on_error: 'fail' }, slots)([error])).toThrow(
      /on_error: fail/,
    );
  });

  const names = ['a', 'b', 'c', 'd'];
  const ruleArbitrary: fc.Arbitrary<RuleCondition> = fc.letrec<{ rule: RuleCondition }>((tie) => ({
    rule: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...names).map(leaf),
      fc.record({
        operator: fc.constantFrom('AND' as const, 'OR' as const),
        conditions: fc.array(tie('rule'), { maxLength: 4 }),
      }),
      fc.record({ operator: fc.constant('NOT' as const), conditions: tie('rule').map((child) => [child]) }),
    ),
  })).rule;
  const valuesArbitrary = fc.record(
    Object.fromEntries(
      names.map((name) => [name, fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null })]),
    ) as Record<string, fc.Arbitrary<number | null>>,
  );

  it('agrees with a direct transcription of the reference semantics on random trees', () => {
    fc.assert(
      fc.property(ruleArbitrary, valuesArbitrary, (rule, values) => {
        const expected = reference(rule, values);
        const actual = evaluate(rule, values);
        if (!expected.matched) return actual === -1;
        return Math.abs(actual - expected.confidence) < 1e-12;
      }),
      { numRuns: 500 },
    );
  });

  it('keeps confidence within [0, 1] and NOT(NOT(x)) matching exactly when x does', () => {
    fc.assert(
      fc.property(ruleArbitrary, valuesArbitrary, (rule, values) => {
        const value = evaluate(rule, values);
        const doubled = evaluate(
          { operator: 'NOT', conditions: [{ operator: 'NOT', conditions: [rule] }] },
          values,
        );
        return (value === -1 || (value >= 0 && value <= 1)) && value >= 0 === doubled >= 0;
      }),
      { numRuns: 300 },
    );
  });
});
