/**
 * `semroute classify --task domain|jailbreak|pii|language|embed [--model DIR] [--models-dir DIR]
 * [--backend onnx|wasm|transformers] [--json] <text | ->`: runs one text through one task's model.
 *
 * @module
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type CliIo, CliUsageError } from '../cli-io.js';
import { resolveModelsDir } from '../signal-providers.js';
import type { CliCommand } from './command.js';

const TASKS = ['domain', 'jailbreak', 'pii', 'language', 'embed'] as const;
const BACKENDS = ['onnx', 'wasm', 'transformers'] as const;

export function parseBackend(value: string | undefined): (typeof BACKENDS)[number] {
  if (value === undefined) return 'onnx';
  if (!(BACKENDS as readonly string[]).includes(value))
    throw new CliUsageError(`--backend must be one of ${BACKENDS.join(', ')}`);
  return value as (typeof BACKENDS)[number];
}

export const classifyCommand: CliCommand = {
  name: 'classify',
  summary: 'classify one text (domain, jailbreak, pii, language, embed) with the local models',
  usage:
    'semroute classify --task domain|jailbreak|pii|language|embed [--model DIR] [--models-dir DIR] [--backend onnx|wasm|transformers] [--json] <text | ->',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        task: { type: 'string' },
        model: { type: 'string' },
        'models-dir': { type: 'string' },
        backend: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const task = values.task as (typeof TASKS)[number] | undefined;
    if (!task || !TASKS.includes(task)) throw new CliUsageError(`--task must be one of ${TASKS.join(', ')}`);
    if (positionals.length !== 1) throw new CliUsageError(`usage: ${this.usage}`);
    const text = positionals[0] === '-' ? (await io.readStdin()).trim() : positionals[0]!;
    const { classifyText } = await import('@semroute/classifiers');
    const result = await classifyText({
      task,
      text,
      modelsDir: resolveModelsDir(undefined, io, values['models-dir']),
      backend: parseBackend(values.backend),
      ...(values.model ? { model: resolve(io.cwd, values.model) } : {}),
    });
    if (values.json) {
      io.stdout(`${JSON.stringify(result)}\n`);
      return 0;
    }
    switch (result.task) {
      case 'domain':
      case 'jailbreak':
        io.stdout(`${result.label} ${result.score.toFixed(3)} (${result.model})\n`);
        break;
      case 'pii':
        if (result.entities.length === 0) io.stdout(`no entities (${result.model})\n`);
        for (const entity of result.entities) {
          io.stdout(
            `${entity.label} ${entity.start}-${entity.end} ${JSON.stringify(entity.text)} ${entity.score.toFixed(3)}\n`,
          );
        }
        break;
      case 'language':
        io.stdout(`${result.language} ${result.score.toFixed(3)} (${result.model})\n`);
        break;
      case 'embed':
        io.stdout(
          `${result.dimensions}-d ${JSON.stringify(result.embedding.slice(0, 8).map((value) => Number(value.toFixed(4))))}… (${result.model})\n`,
        );
        break;
    }
    return 0;
  },
};
