/**
 * Compiles decision rule trees into closures over a slot array of signal results, so that
 * evaluating a decision is a handful of function calls with no allocation and no lookups by
 * name. Semantics follow the reference router:
 *
 * - AND: every child matches; confidence = mean of the children. An empty AND is a catch-all
 *   with confidence 0.
 * - OR: some child matches; confidence = the best child. An empty OR never matches.
 * - NOT: exactly one child; matches when the child does not, with confidence 1.
 *
 * A compiled rule returns its confidence (≥ 0) when it matches and -1 when it does not.
 *
 * @module
 */
import type { RuleCondition, RuleLeaf } from '../config/router-config-schema.js';
import { SignalError } from '../errors/signal-error.js';
import { satisfiesPredicate } from '../signals/numeric-predicate.js';
import type { SignalKind, SignalResult } from '../spec/signal-extractor/v1/signal-extractor-v1.js';
import { parseLeafName, signalKey } from './signal-key.js';

/** Result of one signal for rule evaluation; `timeout` is reported like `error`. */
export type SlotResult =
  | SignalResult
  | { readonly status: 'timeout'; readonly error: SignalError }
  | undefined;

/** A compiled rule: confidence when matched, -1 otherwise. */
export type CompiledRule = (slots: readonly SlotResult[]) => number;

/** Assigns slot indices to signals; shared by every rule of one routing block. */
export class SignalSlots {
  private readonly indices = new Map<string, number>();
  readonly signals: { readonly type: SignalKind; readonly name: string }[] = [];

  /** Slot for a signal, allocated on first use. */
  slotOf(type: string, name: string): number {
    const key = signalKey(type, name);
    let index = this.indices.get(key);
    if (index === undefined) {
      index = this.signals.length;
      this.indices.set(key, index);
      this.signals.push({ type: type as SignalKind, name });
    }
    return index;
  }

  /** Slot for a signal, or undefined when no rule references it. */
  find(type: string, name: string): number | undefined {
    return this.indices.get(signalKey(type, name));
  }
}

function isLeaf(condition: RuleCondition): condition is RuleLeaf {
  return !('operator' in condition);
}

function compileLeaf(leaf: RuleLeaf, slots: SignalSlots): CompiledRule {
  const { signal, level } = parseLeafName(leaf.type, leaf.name);
  const slot = slots.slotOf(leaf.type, signal);
  const requiredLabel = level ?? leaf.label;
  const predicate = leaf.predicate;
  const onError = leaf.on_error ?? 'unmatched';
  return (results) => {
    const result = results[slot];
    if (result === undefined) return -1;
    if (result.status === 'error' || result.status === 'timeout') {
      if (onError === 'matched') return 0;
      if (onError === 'fail') {
        throw new SignalError({
          message: `signal ${leaf.type} "${signal}" failed and its condition says on_error: fail: ${result.error.message}`,
          signalType: leaf.type,
          signalName: signal,
          cause: result.error,
        });
      }
      return -1;
    }
    if (predicate !== undefined) {
      // A numeric predicate tests the signal's confidence (or score), matched or not.
      const value = result.confidence ?? 0;
      return satisfiesPredicate(value, predicate) ? value : -1;
    }
    if (result.status !== 'matched') return -1;
    if (requiredLabel !== undefined && !(result.labels ?? []).includes(requiredLabel)) return -1;
    return result.confidence;
  };
}

/** Compiles one condition tree. Total: every input maps to a number. */
export function compileRule(condition: RuleCondition, slots: SignalSlots): CompiledRule {
  if (isLeaf(condition)) return compileLeaf(condition, slots);
  const children = condition.conditions.map((child) => compileRule(child, slots));
  const count = children.length;
  switch (condition.operator) {
    case 'AND':
      if (count === 0) return () => 0;
      return (results) => {
        let sum = 0;
        for (let index = 0; index < count; index++) {
          const value = children[index]!(results);
          if (value < 0) return -1;
          sum += value;
        }
        return sum / count;
      };
    case 'OR':
      return (results) => {
        let best = -1;
        for (let index = 0; index < count; index++) {
          const value = children[index]!(results);
          if (value > best) best = value;
        }
        return best;
      };
    case 'NOT': {
      const child = children[0];
      if (!child) return () => -1;
      return (results) => (child(results) < 0 ? 1 : -1);
    }
  }
}
