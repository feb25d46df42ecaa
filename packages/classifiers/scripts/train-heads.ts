/**
 * `pnpm models:train [domain|jailbreak|pii ...]`: trains the heads from ../shared/datasets (read in
 * place) into packages/classifiers/heads/, then rebuilds ./models.
 */
import { resolve } from 'node:path';
import { buildDefaultModels } from '../src/build/build-default-models.js';
import { REPOSITORY_ROOT } from '../src/build/datasets.js';
import { type HeadTask, trainHeads } from '../src/build/train-heads.js';

const tasks = process.argv
  .slice(2)
  .filter((arg): arg is HeadTask => ['domain', 'jailbreak', 'pii'].includes(arg));
const report = await trainHeads({
  ...(tasks.length > 0 ? { tasks } : {}),
  onProgress: (message) => console.error(`train: ${message}`),
});
console.log(JSON.stringify(report));
await buildDefaultModels({
  modelsDir: resolve(REPOSITORY_ROOT, 'models'),
  force: true,
  onProgress: (message) => console.error(`models: ${message}`),
});
