/**
 * `semroute cache tune --data FILE.jsonl [--target 0.01] [--no-number-guard] [--json]
 * [--models-dir DIR]`: measures hit and false-hit rates of the semantic cache on labelled
 * paraphrase / non-paraphrase pairs with the default embedder, and recommends the lowest
 * similarity threshold whose false-hit rate meets the target. Rows: `{"a", "b", "paraphrase"}`.
 *
 * @module
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type CliIo, CliUsageError, readTextFile } from '../cli-io.js';
import { resolveModelsDir } from '../signal-providers.js';
import type { CliCommand } from './command.js';

const USAGE =
  'semroute cache tune --data <pairs.jsonl> [--target 0.01] [--no-number-guard] [--json] [--models-dir DIR]';

export const cacheCommand: CliCommand = {
  name: 'cache',
  summary: 'semantic-cache tools: `cache tune` recommends a similarity threshold for a target false-hit rate',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const [sub, ...rest] = argv;
    if (sub !== 'tune')
      throw new CliUsageError(`unknown or missing subcommand${sub ? ` "${sub}"` : ''}\nusage: ${USAGE}`);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        data: { type: 'string' },
        target: { type: 'string', default: '0.01' },
        'no-number-guard': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'models-dir': { type: 'string' },
      },
    });
    if (!values.data || positionals.length > 0)
      throw new CliUsageError(`--data is required\nusage: ${USAGE}`);
    const target = Number(values.target);
    if (!Number.isFinite(target) || target < 0 || target > 1)
      throw new CliUsageError(`--target expects a rate in [0, 1], got "${values.target}"`);
    const text = await readTextFile(resolve(io.cwd, values.data), values.data);
    const cache = await import('@semroute/cache');
    let pairs: ReturnType<typeof cache.parseLabelledPairs>;
    try {
      pairs = cache.parseLabelledPairs(text);
    } catch (error) {
      throw new CliUsageError(`${values.data}: ${(error as Error).message}`);
    }
    if (pairs.length === 0) throw new CliUsageError(`${values.data}: no pairs found`);
    const classifiers = await import('@semroute/classifiers');
    const modelsDir = resolveModelsDir(undefined, io, values['models-dir']);
    if (!(await classifiers.defaultModelsUpToDate(modelsDir))) {
      await classifiers.buildDefaultModels({
        modelsDir,
        onProgress: (message) => io.stderr(`models: ${message}\n`),
      });
    }
    const loader = classifiers.createModelLoader({ modelsDir });
    try {
      const embedder = (await loader.loadEmbedder({ model: classifiers.DEFAULT_MODEL_IDS.embedding }))
        .backend;
      const result = await cache.tuneSimilarityThreshold({
        pairs,
        embedder,
        targetFalseHitRate: target,
        numberGuard: !values['no-number-guard'],
      });
      io.stdout(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${cache.formatTuneReport(result)}\n`);
      return 0;
    } finally {
      await loader.close();
    }
  },
};
