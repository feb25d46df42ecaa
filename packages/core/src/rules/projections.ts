/**
 * Projections (`routing.projections`): values derived from signal results after extraction and
 * before decisions, referenced by rule leaves as `{type: projection, name}`.
 *
 * - **partitions** (`semantics: exclusive`): among the member signals that matched, only the
 *   strongest stays matched (its confidence becomes its softmax share at `temperature`); the
 *   others become unmatched. With no member matched, `default` (a member name) matches with
 *   confidence 0. The partition's own name matches with the winner as its label.
 * - **scores** (`weighted_sum`): Σ weight × value over inputs, where value is the input's
 *   confidence (or 1 for `value_source: binary`) when matched, overridden by `match`, and
 *   `miss` (default 0) when not. The score name matches when the sum is positive; its
 *   confidence is the sum (use a leaf `predicate` for thresholds).
 * - **mappings** (`threshold_bands`): map a score, optionally calibrated by
 *   `sigmoid_distance` (1 / (1 + e^(−slope·x))), to named bands; each output matches when the
 *   value lies in its band, with the value as confidence.
 *
 * @module
 */
import type { RoutingConfig } from '../config/router-config-schema.js';
import type { SignalSlots, SlotResult } from './evaluate-rule.js';

export type ProjectionStep = (results: SlotResult[]) => void;

function inBand(
  value: number,
  band: {
    gt?: number | undefined;
    gte?: number | undefined;
    lt?: number | undefined;
    lte?: number | undefined;
  },
): boolean {
  if (band.gt !== undefined && !(value > band.gt)) return false;
  if (band.gte !== undefined && !(value >= band.gte)) return false;
  if (band.lt !== undefined && !(value < band.lt)) return false;
  if (band.lte !== undefined && !(value <= band.lte)) return false;
  return true;
}

function confidenceOf(result: SlotResult): number | undefined {
  return result?.status === 'matched' ? result.confidence : undefined;
}

/**
 * Compiles the projections that rule leaves reference (and, for partitions, those whose members
 * are referenced). Registers every input signal in `slots` so it gets extracted. Call after the
 * rules are compiled; apply the returned steps in order to the slot results.
 */
export function compileProjections(routing: RoutingConfig, slots: SignalSlots): ProjectionStep[] {
  const steps: ProjectionStep[] = [];
  const projections = routing.projections;

  for (const partition of projections.partitions) {
    const partitionSlot = slots.find('projection', partition.name);
    const memberReferenced = partition.members.some(
      (member) => slots.find(member.type, member.name) !== undefined,
    );
    if (partitionSlot === undefined && !memberReferenced) continue;
    const members = partition.members.map((member) => ({
      name: member.name,
      slot: slots.slotOf(member.type, member.name),
    }));
    const temperature = partition.temperature;
    steps.push((results) => {
      let best: (typeof members)[number] | undefined;
      let bestConfidence = Number.NEGATIVE_INFINITY;
      let denominator = 0;
      for (const member of members) {
        const confidence = confidenceOf(results[member.slot]);
        if (confidence === undefined) continue;
        denominator += Math.exp(confidence / temperature);
        if (confidence > bestConfidence) {
          best = member;
          bestConfidence = confidence;
        }
      }
      for (const member of members) {
        if (member === best) continue;
        const result = results[member.slot];
        if (result?.status === 'matched') results[member.slot] = { ...result, status: 'unmatched' };
      }
      let winner = best?.name;
      if (best) {
        const result = results[best.slot];
        if (result?.status === 'matched')
          results[best.slot] = {
            ...result,
            confidence: Math.exp(bestConfidence / temperature) / denominator,
          };
      } else if (partition.default !== undefined) {
        const fallback = members.find((member) => member.name === partition.default);
        if (fallback)
          results[fallback.slot] = {
            status: 'matched',
            confidence: 0,
            evidence: [`default of partition ${partition.name}`],
          };
        winner = partition.default;
      }
      if (partitionSlot !== undefined) {
        results[partitionSlot] =
          winner !== undefined
            ? {
                status: 'matched',
                confidence: best ? (confidenceOf(results[best.slot]) ?? 0) : 0,
                labels: [winner],
              }
            : { status: 'unmatched', confidence: 0 };
      }
    });
  }

  const scoreValues = new Map<string, number>();
  const mappingSources = new Set(
    projections.mappings
      .filter((mapping) =>
        mapping.outputs.some((output) => slots.find('projection', output.name) !== undefined),
      )
      .map((mapping) => mapping.source),
  );
  for (const score of projections.scores) {
    const scoreSlot = slots.find('projection', score.name);
    if (scoreSlot === undefined && !mappingSources.has(score.name)) continue;
    const inputs = score.inputs.map((input) => ({ ...input, slot: slots.slotOf(input.type, input.name) }));
    steps.push((results) => {
      let sum = 0;
      for (const input of inputs) {
        const confidence = confidenceOf(results[input.slot]);
        const value =
          confidence !== undefined
            ? (input.match ?? (input.value_source === 'binary' ? 1 : confidence))
            : (input.miss ?? 0);
        sum += input.weight * value;
      }
      scoreValues.set(score.name, sum);
      if (scoreSlot !== undefined)
        results[scoreSlot] =
          sum > 0 ? { status: 'matched', confidence: sum } : { status: 'unmatched', confidence: sum };
    });
  }

  for (const mapping of projections.mappings) {
    const outputs = mapping.outputs
      .map((output) => ({ ...output, slot: slots.find('projection', output.name) }))
      .filter((output) => output.slot !== undefined);
    if (outputs.length === 0) continue;
    const slope = mapping.calibration?.slope;
    steps.push((results) => {
      const raw = scoreValues.get(mapping.source) ?? 0;
      const value = slope !== undefined ? 1 / (1 + Math.exp(-slope * raw)) : raw;
      for (const output of outputs) {
        results[output.slot!] = inBand(value, output)
          ? { status: 'matched', confidence: value, evidence: [`${mapping.source}=${value.toFixed(4)}`] }
          : { status: 'unmatched', confidence: value };
      }
    });
  }
  return steps;
}
