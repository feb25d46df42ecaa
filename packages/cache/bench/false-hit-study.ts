/**
 * False-hit study: builds labelled paraphrase / non-paraphrase pairs from MMLU-Pro questions
 * (../shared/datasets/mmlu-pro/train.jsonl; SEMROUTE_DATASETS_DIR overrides the folder) and
 * prints, as JSON lines, the hit rate and false-hit rate at thresholds 0.75–0.95 plus the
 * threshold recommended for a target false-hit rate.
 *
 *   pnpm --filter @semroute/cache study:false-hits [--anchors 1000] [--target 0.01]
 *     [--embedder-module ./path/to/module.ts]   # exports createEmbedder(): EmbeddingBackendV1
 *     [--write-pairs /tmp/pairs.jsonl]           # input for `semroute cache tune --data FILE`
 *
 * Without --embedder-module it uses the hashed bag-of-words stand-in (createHashingEmbedder);
 * `--embedder-module packages/cache/bench/default-embedder.ts` uses the default GloVe-SIF model.
 * The pairs file contains dataset text: write it outside the repository, never commit it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EmbeddingBackendV1 } from '@semroute/core';
import {
  buildParaphrasePairs,
  createHashingEmbedder,
  type QuestionRecord,
  tuneSimilarityThreshold,
} from '../src/index.js';

const args = new Map<string, string>();
for (let index = 2; index < process.argv.length; index += 2)
  args.set(String(process.argv[index]).replace(/^--/, ''), String(process.argv[index + 1]));
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const datasets = process.env.SEMROUTE_DATASETS_DIR ?? resolve(root, '../shared/datasets');
const file = resolve(datasets, 'mmlu-pro/train.jsonl');
if (!existsSync(file)) {
  console.error(`false-hit study: ${file} not found (set SEMROUTE_DATASETS_DIR)`);
  process.exit(2);
}
const questions = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as QuestionRecord);
const pairs = buildParaphrasePairs(questions, { anchors: Number(args.get('anchors') ?? 1000), seed: 42 });
if (args.has('write-pairs'))
  writeFileSync(
    args.get('write-pairs') as string,
    `${pairs.map((pair) => JSON.stringify(pair)).join('\n')}\n`,
  );

let embedder: EmbeddingBackendV1;
let note = 'stand-in: hashed bag-of-words + bigrams, 256-d (not the default GloVe-SIF embedder)';
if (args.has('embedder-module')) {
  const module = (await import(pathToFileURL(resolve(args.get('embedder-module') as string)).href)) as {
    createEmbedder: () => Promise<EmbeddingBackendV1> | EmbeddingBackendV1;
  };
  embedder = await module.createEmbedder();
  note = `module ${args.get('embedder-module')}`;
} else {
  embedder = createHashingEmbedder({ dimensions: 256 });
}
for (const numberGuard of [false, true]) {
  const started = performance.now();
  const result = await tuneSimilarityThreshold({
    pairs,
    embedder,
    numberGuard,
    targetFalseHitRate: Number(args.get('target') ?? 0.01),
  });
  const seconds = (performance.now() - started) / 1000;
  const tag = numberGuard ? 'guard' : 'no-guard';
  for (const row of result.rows)
    console.log(
      JSON.stringify({
        name: `false-hit-${tag}-${row.threshold}`,
        embedder: result.embedder,
        numberGuard,
        ...row,
      }),
    );
  console.log(
    JSON.stringify({
      name: `false-hit-${tag}-recommended`,
      embedder: result.embedder,
      note,
      numberGuard,
      targetFalseHitRate: result.targetFalseHitRate,
      recommended: result.recommended ?? null,
      positives: result.positives,
      negatives: result.negatives,
      seconds: Number(seconds.toFixed(1)),
    }),
  );
  console.log(
    JSON.stringify({
      name: `false-hit-${tag}-by-kind`,
      embedder: result.embedder,
      numberGuard,
      byKind: result.byKind,
    }),
  );
}
