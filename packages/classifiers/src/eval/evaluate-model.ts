/**
 * `semroute eval` and `semroute classify` logic: runs a model (through the same loader and
 * post-processing the router uses) over JSONL rows or a carved validation split and scores it.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { TokenSpan } from '@semroute/core';
import { InvalidRequestError } from '@semroute/core';
import { type BackendKind, createModelLoader } from '../backends/create-model-loader.js';
import {
  readDomainDataset,
  readJailbreakDataset,
  readPiiDataset,
  splitByKey,
  splitPii,
  VALIDATION_FRACTION,
} from '../build/datasets.js';
import { DEFAULT_MODEL_IDS } from '../build/default-model-ids.js';
import { createPersonRecognizer } from '../pii-patterns/person-recognizer.js';
import { PATTERN_ENTITIES } from '../pii-patterns/pii-pattern-recognizers.js';
import { detectPii } from '../signals/pii-signal.js';
import {
  type ClassificationReport,
  type EntityReport,
  type GoldEntity,
  scoreClassification,
  scoreEntities,
} from './evaluate.js';

export type EvalTask = 'domain' | 'jailbreak' | 'pii';

export type EvalRow =
  | { readonly text: string; readonly label: string }
  | { readonly text: string; readonly entities: readonly GoldEntity[] };

/** Reads JSONL rows: `{"text", "label"}` or `{"text", "entities": [{type, start, end}]}`. */
export async function readEvalRows(file: string): Promise<EvalRow[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  return lines.map((line, index) => {
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new InvalidRequestError({
        message: `${file}:${index + 1}: not JSON: ${(error as Error).message}`,
        cause: error,
      });
    }
    if (typeof row.text !== 'string')
      throw new InvalidRequestError({ message: `${file}:${index + 1}: missing "text"` });
    if (Array.isArray(row.entities)) return { text: row.text, entities: row.entities as GoldEntity[] };
    if (typeof row.label !== 'string')
      throw new InvalidRequestError({ message: `${file}:${index + 1}: needs "label" or "entities"` });
    return { text: row.text, label: row.label };
  });
}

/** The carved validation split of a shared dataset (never trained on). */
export async function validationRows(task: EvalTask, datasetsDir?: string): Promise<EvalRow[]> {
  if (task === 'pii')
    return splitPii(await readPiiDataset(datasetsDir)).validation.map((row) => ({
      text: row.text,
      entities: row.entities,
    }));
  const rows =
    task === 'domain' ? await readDomainDataset(datasetsDir) : await readJailbreakDataset(datasetsDir);
  return splitByKey(rows, (row) => row.id, VALIDATION_FRACTION[task]).validation.map((row) => ({
    text: row.text,
    label: row.label,
  }));
}

/**
 * Ordinary questions as `benign` rows for the jailbreak model's false-positive rate: the
 * MMLU-Pro validation split (never trained on by any head), first `limit` rows.
 */
export async function benignQuestionRows(datasetsDir?: string, limit = 1000): Promise<EvalRow[]> {
  const rows = await readDomainDataset(datasetsDir);
  return splitByKey(rows, (row) => row.id, VALIDATION_FRACTION.domain)
    .validation.slice(0, limit)
    .map((row) => ({ text: row.text, label: 'benign' }));
}

export interface EvaluateOptions {
  readonly task: EvalTask;
  /** Rows to score; default: the task's carved validation split from the shared datasets. */
  readonly rows?: readonly EvalRow[];
  readonly modelsDir?: string;
  readonly backend?: BackendKind;
  /** Model id or folder (default: the task's default model). */
  readonly model?: string;
  readonly datasetsDir?: string;
  /** PII: report only these entity types (default: every type seen). */
  readonly entityTypes?: readonly string[];
  /** PII: PERSON from `compromise` (default, as the signal provider) or the model only. */
  readonly piiPerson?: 'compromise' | 'model';
}

export type EvaluationResult = (ClassificationReport | EntityReport) & {
  readonly model: string;
  readonly backend: BackendKind;
  readonly elapsedMs: number;
};

export async function evaluateModel(options: EvaluateOptions): Promise<EvaluationResult> {
  const backend = options.backend ?? 'onnx';
  const rows = options.rows ?? (await validationRows(options.task, options.datasetsDir));
  const loader = createModelLoader({
    backend,
    modelsDir: options.modelsDir ?? 'models',
    batching: { maxBatchSize: 64, maxQueueSize: 1_000_000 },
  });
  const started = performance.now();
  try {
    if (options.task === 'pii') {
      const model = await loader.loadTokenClassifier({ model: options.model ?? DEFAULT_MODEL_IDS.pii });
      const person =
        (options.piiPerson ?? 'compromise') === 'compromise' ? await createPersonRecognizer() : undefined;
      const predicted: TokenSpan[][] = await Promise.all(
        rows.map((row) => detectPii(row.text, model, person ? { person } : {})),
      );
      const gold = rows.map((row) => ('entities' in row ? row.entities : []));
      const report = scoreEntities(gold, predicted, options.entityTypes);
      return { ...report, model: model.folder.modelId, backend, elapsedMs: performance.now() - started };
    }
    const model = await loader.loadClassifier({
      model:
        options.model ?? (options.task === 'domain' ? DEFAULT_MODEL_IDS.domain : DEFAULT_MODEL_IDS.jailbreak),
    });
    const labels = model.backend.labels;
    const scores = await Promise.all(rows.map((row) => model.classify(row.text)));
    const predicted = scores.map((vector) => {
      let best = 0;
      for (let j = 1; j < vector.length; j++) if (vector[j]! > vector[best]!) best = j;
      return labels[best]!;
    });
    const report = scoreClassification(
      rows.map((row) => ('label' in row ? row.label : '')),
      predicted,
    );
    return { ...report, model: model.folder.modelId, backend, elapsedMs: performance.now() - started };
  } finally {
    await loader.close();
  }
}

/** Pattern entity types whose F1 BENCHMARKS.md gates (US_DRIVER_LICENSE is reported, not gated). */
export const GATED_PATTERN_ENTITIES = PATTERN_ENTITIES.filter(
  (type) => type !== 'US_DRIVER_LICENSE' && type !== 'MAC_ADDRESS',
);
