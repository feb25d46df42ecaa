/**
 * `semroute eval --task domain|jailbreak|pii [--data FILE.jsonl] [--model DIR] [--models-dir DIR]
 * [--backend ...] [--json]`: accuracy, macro-F1 and a per-label table (classification), or
 * per-entity precision/recall/F1 with span overlap (PII). Without `--data` it scores the carved
 * validation split of ../shared/datasets (never trained on).
 *
 * @module
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type CliIo, CliUsageError } from '../cli-io.js';
import { resolveModelsDir } from '../signal-providers.js';
import { parseBackend } from './classify-command.js';
import type { CliCommand } from './command.js';

const TASKS = ['domain', 'jailbreak', 'pii'] as const;

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'score a local model on labelled JSONL (or the carved validation split)',
  usage:
    'semroute eval --task domain|jailbreak|pii [--data FILE.jsonl] [--model DIR] [--models-dir DIR] [--backend onnx|wasm|transformers] [--json]',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        task: { type: 'string' },
        data: { type: 'string' },
        model: { type: 'string' },
        'models-dir': { type: 'string' },
        backend: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const task = values.task as (typeof TASKS)[number] | undefined;
    if (!task || !TASKS.includes(task) || positionals.length > 0)
      throw new CliUsageError(`usage: ${this.usage}`);
    const { evaluateModel, readEvalRows, hasDataset } = await import('@semroute/classifiers');
    if (!values.data && !hasDataset(task))
      throw new CliUsageError('no --data given and ../shared/datasets is absent (set SEMROUTE_DATASETS_DIR)');
    const report = await evaluateModel({
      task,
      modelsDir: resolveModelsDir(undefined, io, values['models-dir']),
      backend: parseBackend(values.backend),
      ...(values.data ? { rows: await readEvalRows(resolve(io.cwd, values.data)) } : {}),
      ...(values.model ? { model: resolve(io.cwd, values.model) } : {}),
    });
    if (values.json) {
      io.stdout(`${JSON.stringify(report)}\n`);
      return 0;
    }
    const rows = report.task === 'classification' ? report.perLabel : report.perEntity;
    const width = Math.max(8, ...rows.map((row) => row.label.length));
    const line = (label: string, p: string, r: string, f: string, n: string) =>
      `${label.padEnd(width)}  ${p.padStart(9)}  ${r.padStart(6)}  ${f.padStart(6)}  ${n.padStart(7)}\n`;
    io.stdout(
      `${report.model} (${report.backend}), ${report.examples} examples, ${(report.elapsedMs / 1000).toFixed(1)} s\n`,
    );
    if (report.task === 'classification')
      io.stdout(`accuracy ${report.accuracy.toFixed(3)}  macro-F1 ${report.macroF1.toFixed(3)}\n`);
    else
      io.stdout(
        `micro precision ${report.micro.precision.toFixed(3)}  recall ${report.micro.recall.toFixed(3)}  F1 ${report.micro.f1.toFixed(3)}\n`,
      );
    io.stdout(line('label', 'precision', 'recall', 'F1', 'support'));
    for (const row of rows)
      io.stdout(
        line(
          row.label,
          row.precision.toFixed(3),
          row.recall.toFixed(3),
          row.f1.toFixed(3),
          String(row.support),
        ),
      );
    return 0;
  },
};
