/**
 * Trains the default models' heads from the shared datasets (read in place, never copied) and
 * writes them as small JSON files under `heads/`. Validation splits are carved here and never
 * trained on: MMLU-Pro and jailbreak by row hash, PII grouped by `template_id`.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scoreClassification, scoreEntities } from '../eval/evaluate.js';
import { createTextTokenizer } from '../model/text-tokenizer.js';
import { logitsToScores, mergeTokenTags } from '../runtime/post-process.js';
import {
  DATASET_FILES,
  type LabelledText,
  type PiiSentence,
  readDomainDataset,
  readJailbreakDataset,
  readPiiDataset,
  resolveDatasetsDir,
  splitByKey,
  splitPii,
  VALIDATION_FRACTION,
} from './datasets.js';
import { DEFAULT_MODEL_IDS } from './default-model-ids.js';
import {
  firstPrincipalComponent,
  meanRows,
  pooledFeatures,
  pooledWidth,
  removeComponent,
  sifTable,
  tokenTable,
  windowFeatures,
} from './glove-features.js';
import { loadGloveVectors } from './glove-vectors.js';
import {
  type ClassifierHead,
  DEFAULT_HEADS_DIR,
  type EmbeddingHead,
  encodeFloats,
  HEAD_FORMAT,
  serializeLayers,
  writeHead,
} from './head-files.js';
import { tokenizerConfigJson, wordPieceTokenizerJson } from './hf-layout.js';
import { bioLabels, PII_MODEL_ENTITIES, tokenTrainingRows } from './pii-training.js';
import { predictLogits, trainMlp } from './train-mlp.js';

export type HeadTask = 'domain' | 'jailbreak' | 'pii';

export interface TrainHeadsOptions {
  readonly datasetsDir?: string;
  readonly headsDir?: string;
  /** Which heads to train (default all). The embedding head is always recomputed with `domain`. */
  readonly tasks?: readonly HeadTask[];
  readonly vocabSize?: number;
  readonly onProgress?: (message: string) => void;
}

/** Hyper-parameters, recorded in each head file. */
export const TRAINING_RECIPES = {
  domain: { hidden: [256], epochs: 30, learningRate: 0.002, l2: 1e-5, batchSize: 64, seed: 1 },
  jailbreak: {
    hidden: [256],
    epochs: 30,
    learningRate: 0.002,
    l2: 1e-5,
    batchSize: 64,
    seed: 1,
    /** Benign questions added from the MMLU-Pro training split (see trainHeads). */
    negatives: 600,
  },
  pii: {
    hidden: [128],
    epochs: 15,
    learningRate: 0.002,
    l2: 1e-5,
    batchSize: 64,
    seed: 7,
    capitalised: 30_000,
    negatives: 1500,
  },
} as const;

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

export async function trainHeads(options: TrainHeadsOptions = {}): Promise<Record<string, unknown>> {
  const datasetsDir = resolveDatasetsDir(options.datasetsDir);
  const headsDir = options.headsDir ?? DEFAULT_HEADS_DIR;
  const tasks = new Set(options.tasks ?? ['domain', 'jailbreak', 'pii']);
  const vocabSize = options.vocabSize ?? 50_000;
  const progress = options.onProgress ?? (() => {});
  const report: Record<string, unknown> = {};

  progress('loading GloVe vectors');
  const glove = await loadGloveVectors({ limit: vocabSize });
  const sif = sifTable(glove);
  const tokenizer = await createTextTokenizer({
    tokenizerJson: wordPieceTokenizerJson(sif.vocabulary, { lowercase: true }),
    tokenizerConfig: tokenizerConfigJson({ lowercase: true, maxLength: 512 }),
  });
  const encode = (rows: readonly LabelledText[]) => rows.map((row) => [...tokenizer.encode(row.text).ids]);

  // The common component comes from the MMLU-Pro training split (never its validation part).
  const domainRows = await readDomainDataset(datasetsDir);
  const domainSplit = splitByKey(domainRows, (row) => row.id, VALIDATION_FRACTION.domain);
  const domainTrainIds = encode(domainSplit.train);
  const component = firstPrincipalComponent(meanRows(sif, domainTrainIds), sif.dimensions);
  const table = removeComponent(sif, component);
  const embeddingHead: EmbeddingHead = {
    format: HEAD_FORMAT,
    model: DEFAULT_MODEL_IDS.embedding,
    vocabSize,
    commonComponent: encodeFloats(component),
    training: {
      dataset: DATASET_FILES.domain,
      sha256: await sha256(join(datasetsDir, DATASET_FILES.domain)),
      split: 'train (hash of question_id ≥ 0.15)',
    },
  };
  if (tasks.has('domain')) await writeHead(headsDir, embeddingHead.model, embeddingHead);

  const trainSequence = async (
    task: 'domain' | 'jailbreak',
    model: string,
    split: { train: LabelledText[]; validation: LabelledText[] },
    trainIds: number[][],
    /** Extra figures for the head file, from a scorer over the trained head. */
    extraMetrics?: (score: (rows: readonly LabelledText[]) => Float32Array[]) => Record<string, unknown>,
  ) => {
    const recipe = TRAINING_RECIPES[task];
    const pooling = { mean: true, max: false };
    const labels = [...new Set(split.train.map((row) => row.label))].sort();
    const width = pooledWidth(table.dimensions, pooling);
    progress(`training ${model} on ${split.train.length} examples (${labels.length} labels)`);
    const layers = trainMlp(
      pooledFeatures(table, trainIds, pooling),
      Int32Array.from(split.train.map((row) => labels.indexOf(row.label))),
      width,
      labels.length,
      {
        ...recipe,
        hidden: [...recipe.hidden],
      },
    );
    const validationIds = encode(split.validation);
    const logits = predictLogits(layers, pooledFeatures(table, validationIds, pooling), validationIds.length);
    const predicted = split.validation.map((_, row) => {
      const scores = logitsToScores(logits, row * labels.length, labels.length, false);
      let best = 0;
      for (let j = 1; j < labels.length; j++) if (scores[j]! > scores[best]!) best = j;
      return labels[best]!;
    });
    const metrics = scoreClassification(
      split.validation.map((row) => row.label),
      predicted,
    );
    const head: ClassifierHead = {
      format: HEAD_FORMAT,
      model,
      task: 'text-classification',
      vocabSize,
      labels,
      pooling,
      layers: serializeLayers(layers),
      training: {
        dataset: DATASET_FILES[task],
        sha256: await sha256(join(datasetsDir, DATASET_FILES[task])),
        split: `validation = hash of row id < ${VALIDATION_FRACTION[task]}`,
        trainExamples: split.train.length,
        validationExamples: split.validation.length,
        recipe,
      },
      metrics: {
        accuracy: metrics.accuracy,
        macroF1: metrics.macroF1,
        perLabel: metrics.perLabel,
        ...extraMetrics?.((rows) => {
          const ids = encode(rows);
          const rowLogits = predictLogits(layers, pooledFeatures(table, ids, pooling), ids.length);
          return rows.map((_, row) => logitsToScores(rowLogits, row * labels.length, labels.length, false));
        }),
      },
    };
    await writeHead(headsDir, model, head);
    report[task] = { accuracy: metrics.accuracy, macroF1: metrics.macroF1 };
    progress(
      `${model}: validation accuracy ${metrics.accuracy.toFixed(3)}, macro-F1 ${metrics.macroF1.toFixed(3)}`,
    );
  };

  if (tasks.has('domain'))
    await trainSequence('domain', DEFAULT_MODEL_IDS.domain, domainSplit, domainTrainIds);
  if (tasks.has('jailbreak')) {
    const rows = await readJailbreakDataset(datasetsDir);
    const split = splitByKey(rows, (row) => row.id, VALIDATION_FRACTION.jailbreak);
    // The jailbreak data's benign side is mostly role-play system prompts, so plain short
    // questions ("What is the integral of x^2?") looked like jailbreaks (7.8 % of MMLU-Pro
    // questions flagged). Ordinary questions from the MMLU-Pro training split are added as
    // benign; the false-positive rate is then measured on the MMLU-Pro validation split.
    const negatives: LabelledText[] = domainSplit.train
      .slice(0, TRAINING_RECIPES.jailbreak.negatives)
      .map((row) => ({ id: `mmlu-${row.id}`, text: row.text, label: 'benign' }));
    const train = { train: [...split.train, ...negatives], validation: split.validation };
    await trainSequence('jailbreak', DEFAULT_MODEL_IDS.jailbreak, train, encode(train.train), (score) => {
      const sample = domainSplit.validation.slice(0, 1000);
      const scores = score(sample);
      // Labels are sorted: ['benign', 'jailbreak'].
      const rate = (threshold: number) =>
        scores.filter((row) => row[1]! >= threshold).length / Math.max(1, sample.length);
      return {
        benignFalsePositiveRate: {
          data: `${DATASET_FILES.domain} validation split, first ${sample.length} questions`,
          atThreshold0_5: rate(0.5),
          atThreshold0_9: rate(0.9),
        },
      };
    });
  }
  if (tasks.has('pii')) {
    const recipe = TRAINING_RECIPES.pii;
    const cased = tokenTable(glove, { capitalised: recipe.capitalised });
    const casedTokenizer = await createTextTokenizer({
      tokenizerJson: wordPieceTokenizerJson(cased.vocabulary, { lowercase: false }),
      tokenizerConfig: tokenizerConfigJson({ lowercase: false, maxLength: 512 }),
    });
    const sentences = await readPiiDataset(datasetsDir);
    const split = splitPii(sentences);
    const labels = bioLabels(PII_MODEL_ENTITIES);
    // Negatives: ordinary questions (MMLU-Pro training split) hold no PII; without them the
    // window model tags common words in benign prompts. Truncated to sentence-like lengths.
    const negatives: PiiSentence[] = domainSplit.train
      .slice(0, TRAINING_RECIPES.pii.negatives)
      .map((row) => ({
        id: `negative-${row.id}`,
        text: row.text.slice(0, 300),
        group: 'negative',
        entities: [],
      }));
    const rows = tokenTrainingRows(cased, casedTokenizer, [...split.train, ...negatives], labels);
    progress(
      `training ${DEFAULT_MODEL_IDS.pii} on ${split.train.length} sentences (${rows.targets.length} tokens)`,
    );
    const layers = trainMlp(rows.features, rows.targets, rows.width, labels.length, {
      ...recipe,
      hidden: [...recipe.hidden],
    });
    const predicted = split.validation.map((sentence) => {
      const encoded = casedTokenizer.encode(sentence.text, { offsets: true });
      const logits = predictLogits(layers, windowFeatures(cased, encoded.ids), encoded.ids.length);
      const best = new Int32Array(encoded.ids.length);
      const probability = new Float32Array(encoded.ids.length);
      for (let t = 0; t < encoded.ids.length; t++) {
        const scores = logitsToScores(logits, t * labels.length, labels.length, false);
        let top = 0;
        for (let j = 1; j < labels.length; j++) if (scores[j]! > scores[top]!) top = j;
        best[t] = top;
        probability[t] = scores[top]!;
      }
      return mergeTokenTags({ labels, best, probability, offsets: encoded.offsets! });
    });
    const metrics = scoreEntities(
      split.validation.map((sentence) => sentence.entities),
      predicted,
      PII_MODEL_ENTITIES,
    );
    // Share of held-out ordinary questions (MMLU-Pro validation) where the model finds any span.
    const benignRate = async () => {
      const sample = domainSplit.validation.slice(0, 300);
      let flagged = 0;
      for (const row of sample) {
        const encoded = casedTokenizer.encode(row.text.slice(0, 300));
        const logits = predictLogits(layers, windowFeatures(cased, encoded.ids), encoded.ids.length);
        for (let t = 0; t < encoded.ids.length; t++) {
          const scores = logitsToScores(logits, t * labels.length, labels.length, false);
          if (scores[0]! < 0.5) {
            flagged++;
            break;
          }
        }
      }
      return flagged / sample.length;
    };
    const head: ClassifierHead = {
      format: HEAD_FORMAT,
      model: DEFAULT_MODEL_IDS.pii,
      task: 'token-classification',
      vocabSize,
      labels,
      capitalised: recipe.capitalised,
      layers: serializeLayers(layers),
      training: {
        dataset: DATASET_FILES.pii,
        sha256: await sha256(join(datasetsDir, DATASET_FILES.pii)),
        split: `grouped by template_id, stratified by entity type, validation fraction ${VALIDATION_FRACTION.pii}`,
        trainSentences: split.train.length,
        validationSentences: split.validation.length,
        recipe,
      },
      metrics: {
        micro: metrics.micro,
        perEntity: metrics.perEntity,
        benignFalsePositiveRate: await benignRate(),
      },
    };
    await writeHead(headsDir, DEFAULT_MODEL_IDS.pii, head);
    report.pii = Object.fromEntries(metrics.perEntity.map((entry) => [entry.label, entry.f1]));
    progress(
      `${DEFAULT_MODEL_IDS.pii}: PERSON F1 ${metrics.perEntity.find((entry) => entry.label === 'PERSON')?.f1.toFixed(3)}`,
    );
  }
  return report;
}
