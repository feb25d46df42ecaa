/**
 * Numeric predicates `{gt, gte, lt, lte}` used by structure, conversation and rule leaves.
 *
 * @module
 */
import type { NumericPredicate } from '../config/router-config-schema.js';

/** True when `value` satisfies every bound present; an empty predicate means "greater than 0". */
export function satisfiesPredicate(value: number, predicate: NumericPredicate | undefined): boolean {
  if (
    !predicate ||
    (predicate.gt === undefined &&
      predicate.gte === undefined &&
      predicate.lt === undefined &&
      predicate.lte === undefined)
  ) {
    return value > 0;
  }
  if (predicate.gt !== undefined && !(value > predicate.gt)) return false;
  if (predicate.gte !== undefined && !(value >= predicate.gte)) return false;
  if (predicate.lt !== undefined && !(value < predicate.lt)) return false;
  if (predicate.lte !== undefined && !(value <= predicate.lte)) return false;
  return true;
}
