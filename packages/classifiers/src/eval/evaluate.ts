/**
 * Quality metrics for `semroute eval`: accuracy, macro-F1 and a per-label table for
 * classification; per-entity precision/recall/F1 with span-overlap matching for PII.
 *
 * @module
 */
import type { TokenSpan } from '@semroute/core';

export interface LabelMetrics {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Gold examples (classification) or gold spans (entities). */
  readonly support: number;
  /** Predicted examples or spans. */
  readonly predicted: number;
}

export interface ClassificationReport {
  readonly task: 'classification';
  readonly examples: number;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly perLabel: readonly LabelMetrics[];
}

export interface EntityReport {
  readonly task: 'entities';
  readonly examples: number;
  /** Micro-averaged over all entity types. */
  readonly micro: LabelMetrics;
  readonly perEntity: readonly LabelMetrics[];
}

const f1 = (precision: number, recall: number) =>
  precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);

function metrics(
  label: string,
  truePositivePredicted: number,
  predicted: number,
  truePositiveGold: number,
  support: number,
): LabelMetrics {
  const precision = predicted === 0 ? 0 : truePositivePredicted / predicted;
  const recall = support === 0 ? 0 : truePositiveGold / support;
  return { label, precision, recall, f1: f1(precision, recall), support, predicted };
}

/** Scores predicted labels against gold labels. */
export function scoreClassification(
  gold: readonly string[],
  predicted: readonly string[],
): ClassificationReport {
  const labels = [...new Set([...gold, ...predicted])].sort();
  let correct = 0;
  const perLabel = labels.map((label) => {
    let truePositive = 0;
    let predictedCount = 0;
    let support = 0;
    gold.forEach((value, index) => {
      if (value === label) support++;
      if (predicted[index] === label) predictedCount++;
      if (value === label && predicted[index] === label) truePositive++;
    });
    return metrics(label, truePositive, predictedCount, truePositive, support);
  });
  gold.forEach((value, index) => {
    if (predicted[index] === value) correct++;
  });
  const scored = perLabel.filter((entry) => entry.support > 0);
  return {
    task: 'classification',
    examples: gold.length,
    accuracy: gold.length === 0 ? 0 : correct / gold.length,
    macroF1: scored.length === 0 ? 0 : scored.reduce((sum, entry) => sum + entry.f1, 0) / scored.length,
    perLabel,
  };
}

export interface GoldEntity {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) =>
  a.start < b.end && b.start < a.end;

/**
 * Per-entity scores with span-overlap matching: a predicted span counts as correct when it
 * overlaps a gold span of the same type; a gold span counts as found when a predicted span of
 * its type overlaps it. `types` limits the report (default: every type seen).
 */
export function scoreEntities(
  gold: readonly (readonly GoldEntity[])[],
  predicted: readonly (readonly TokenSpan[])[],
  types?: readonly string[],
): EntityReport {
  const seen = new Set<string>(types ?? []);
  if (!types) {
    for (const row of gold) for (const entity of row) seen.add(entity.type);
    for (const row of predicted) for (const span of row) seen.add(span.label);
  }
  const totals = { truePositivePredicted: 0, predicted: 0, truePositiveGold: 0, support: 0 };
  const perEntity = [...seen].sort().map((type) => {
    let truePositivePredicted = 0;
    let predictedCount = 0;
    let truePositiveGold = 0;
    let support = 0;
    gold.forEach((goldRow, index) => {
      const predictedRow = (predicted[index] ?? []).filter((span) => span.label === type);
      const goldOfType = goldRow.filter((entity) => entity.type === type);
      predictedCount += predictedRow.length;
      support += goldOfType.length;
      truePositivePredicted += predictedRow.filter((span) =>
        goldOfType.some((entity) => overlaps(span, entity)),
      ).length;
      truePositiveGold += goldOfType.filter((entity) =>
        predictedRow.some((span) => overlaps(span, entity)),
      ).length;
    });
    totals.truePositivePredicted += truePositivePredicted;
    totals.predicted += predictedCount;
    totals.truePositiveGold += truePositiveGold;
    totals.support += support;
    return metrics(type, truePositivePredicted, predictedCount, truePositiveGold, support);
  });
  return {
    task: 'entities',
    examples: gold.length,
    micro: metrics(
      'micro',
      totals.truePositivePredicted,
      totals.predicted,
      totals.truePositiveGold,
      totals.support,
    ),
    perEntity,
  };
}
