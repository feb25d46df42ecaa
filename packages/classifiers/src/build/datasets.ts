/**
 * Readers for the shared training data (`../shared/datasets`, never copied into the repository)
 * and deterministic train/validation splits.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../internal/package-root.js';

/**
 * Repository root when this package sits in the semroute monorepo (`packages/classifiers`);
 * elsewhere the current directory. Datasets and `./models` resolve from here.
 */
export const REPOSITORY_ROOT = existsSync(resolve(PACKAGE_ROOT, '../../pnpm-workspace.yaml'))
  ? resolve(PACKAGE_ROOT, '../..')
  : process.cwd();

/** `SEMROUTE_DATASETS_DIR`, else `<repo>/../shared/datasets`. */
export function resolveDatasetsDir(override?: string): string {
  return override ?? process.env.SEMROUTE_DATASETS_DIR ?? resolve(REPOSITORY_ROOT, '../shared/datasets');
}

export const DATASET_FILES = {
  domain: 'mmlu-pro/train.jsonl',
  jailbreak: 'jailbreak/jackhhao-train.csv',
  pii: 'pii/presidio-synth-train.json',
} as const;

/** Whether a dataset file is present (tests skip with a message when not). */
export function hasDataset(kind: keyof typeof DATASET_FILES, datasetsDir?: string): boolean {
  return existsSync(join(resolveDatasetsDir(datasetsDir), DATASET_FILES[kind]));
}

export interface LabelledText {
  readonly id: string;
  readonly text: string;
  readonly label: string;
}

export interface PiiSentence {
  readonly id: string;
  readonly text: string;
  readonly group: string;
  readonly entities: readonly { readonly type: string; readonly start: number; readonly end: number }[];
}

export async function readDomainDataset(datasetsDir?: string): Promise<LabelledText[]> {
  const text = await readFile(join(resolveDatasetsDir(datasetsDir), DATASET_FILES.domain), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const row = JSON.parse(line) as { question_id: number; question: string; category: string };
      return { id: String(row.question_id), text: row.question, label: row.category };
    });
}

/** RFC 4180 CSV (quoted fields may hold commas, quotes and newlines). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"') {
        if (text[index + 1] === '"') {
          field += '"';
          index++;
        } else quoted = false;
      } else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export async function readJailbreakDataset(datasetsDir?: string): Promise<LabelledText[]> {
  const rows = parseCsv(
    await readFile(join(resolveDatasetsDir(datasetsDir), DATASET_FILES.jailbreak), 'utf8'),
  );
  const header = rows[0] ?? [];
  const promptColumn = header.indexOf('prompt');
  const typeColumn = header.indexOf('type');
  return rows.slice(1).flatMap((row, index) => {
    const text = row[promptColumn];
    const label = row[typeColumn];
    return text !== undefined && label !== undefined ? [{ id: String(index), text, label }] : [];
  });
}

export async function readPiiDataset(datasetsDir?: string): Promise<PiiSentence[]> {
  const rows = JSON.parse(
    await readFile(join(resolveDatasetsDir(datasetsDir), DATASET_FILES.pii), 'utf8'),
  ) as {
    full_text: string;
    template_id: number;
    spans: { entity_type: string; start_position: number; end_position: number }[];
  }[];
  return rows.map((row, index) => ({
    id: String(index),
    text: row.full_text,
    group: String(row.template_id),
    entities: row.spans.map((span) => ({
      type: span.entity_type,
      start: span.start_position,
      end: span.end_position,
    })),
  }));
}

/** FNV-1a 32-bit hash, for stable splits. */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Deterministic split: an item goes to validation when the hash of its group key (its own id
 * unless grouped, e.g. PII `template_id`) falls below `fraction`. Same salt ⇒ same split.
 */
export function splitByKey<T>(
  items: readonly T[],
  key: (item: T) => string,
  fraction: number,
  salt = 'semroute-v1',
): { train: T[]; validation: T[] } {
  const train: T[] = [];
  const validation: T[] = [];
  for (const item of items) {
    const bucket = hash32(`${salt}:${key(item)}`) / 2 ** 32;
    (bucket < fraction ? validation : train).push(item);
  }
  return { train, validation };
}

/** The documented validation splits used by `trainHeads` and BENCHMARKS.md. */
export const VALIDATION_FRACTION = { domain: 0.15, jailbreak: 0.2, pii: 0.25 } as const;

/**
 * Grouped, stratified split: whole groups (e.g. PII `template_id`) go to one side only. Groups
 * are taken in hash order until every label holds at least `fraction` of its occurrences in
 * validation and validation holds `fraction` of the items. Deterministic.
 */
export function splitGrouped<T>(
  items: readonly T[],
  group: (item: T) => string,
  labelsOf: (item: T) => readonly string[],
  fraction: number,
  salt = 'semroute-v1',
): { train: T[]; validation: T[] } {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = group(item);
    let members = groups.get(key);
    if (!members) {
      members = [];
      groups.set(key, members);
    }
    members.push(item);
  }
  const order = [...groups.keys()].sort((a, b) => hash32(`${salt}:${a}`) - hash32(`${salt}:${b}`));
  const totals = new Map<string, number>();
  for (const item of items)
    for (const label of labelsOf(item)) totals.set(label, (totals.get(label) ?? 0) + 1);
  const chosen = new Set<string>();
  const inValidation = new Map<string, number>();
  let validationItems = 0;
  const take = (key: string) => {
    chosen.add(key);
    for (const item of groups.get(key)!) {
      validationItems++;
      for (const label of labelsOf(item)) inValidation.set(label, (inValidation.get(label) ?? 0) + 1);
    }
  };
  const labels = [...totals.keys()].sort((a, b) => totals.get(a)! - totals.get(b)! || a.localeCompare(b));
  for (const label of labels) {
    for (const key of order) {
      if ((inValidation.get(label) ?? 0) >= fraction * totals.get(label)!) break;
      if (chosen.has(key) || !groups.get(key)!.some((item) => labelsOf(item).includes(label))) continue;
      // Never take a group that would leave no training example of a label.
      take(key);
    }
  }
  for (const key of order) {
    if (validationItems >= fraction * items.length) break;
    if (!chosen.has(key)) take(key);
  }
  const train: T[] = [];
  const validation: T[] = [];
  for (const item of items) (chosen.has(group(item)) ? validation : train).push(item);
  return { train, validation };
}

/** The PII split used for training and BENCHMARKS.md: grouped by template, stratified by entity type. */
export function splitPii(sentences: readonly PiiSentence[]): {
  train: PiiSentence[];
  validation: PiiSentence[];
} {
  return splitGrouped(
    sentences,
    (sentence) => sentence.group,
    (sentence) => sentence.entities.map((entity) => entity.type),
    VALIDATION_FRACTION.pii,
  );
}
