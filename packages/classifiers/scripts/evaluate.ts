/**
 * `pnpm --filter @semroute/classifiers eval [--task domain|jailbreak|pii] [--backend onnx|wasm|transformers] [--data FILE.jsonl]`:
 * scores the default models on their carved validation splits (or a JSONL file), one JSON line per task.
 */
import { resolve } from 'node:path';
import type { BackendKind } from '../src/backends/create-model-loader.js';
import { buildDefaultModels } from '../src/build/build-default-models.js';
import { REPOSITORY_ROOT } from '../src/build/datasets.js';
import {
  benignQuestionRows,
  type EvalTask,
  evaluateModel,
  readEvalRows,
} from '../src/eval/evaluate-model.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const modelsDir = resolve(REPOSITORY_ROOT, 'models');
await buildDefaultModels({ modelsDir });
const tasks = (flag('--task') ? [flag('--task')] : ['domain', 'jailbreak', 'pii']) as EvalTask[];
const data = flag('--data');
for (const task of tasks) {
  const report = await evaluateModel({
    task,
    modelsDir,
    backend: (flag('--backend') ?? 'onnx') as BackendKind,
    ...(data ? { rows: await readEvalRows(data) } : {}),
  });
  console.log(JSON.stringify(report));
  if (task === 'jailbreak' && !data) {
    // False positives on ordinary questions (MMLU-Pro validation): the rate users feel.
    const benign = await evaluateModel({
      task,
      modelsDir,
      backend: (flag('--backend') ?? 'onnx') as BackendKind,
      rows: await benignQuestionRows(),
    });
    if (benign.task === 'classification')
      console.log(
        JSON.stringify({
          task: 'jailbreak-false-positives',
          data: 'mmlu-pro validation questions (benign)',
          examples: benign.examples,
          falsePositiveRate: 1 - benign.accuracy,
        }),
      );
  }
}
