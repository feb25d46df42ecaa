import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelLoadError } from '@semroute/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTER_DEPENDENCIES } from '../src/internal/import-lib.js';
import { readModelFolder } from '../src/model/model-folder.js';
import { createOnnxClassifier } from '../src/onnx/index.js';
import { createTransformersClassifier } from '../src/transformers/index.js';
import { buildTinyModels, TINY_LABELS, type TinyModels } from './tiny-models.js';

let models: TinyModels;
let scratch: string;
beforeAll(async () => {
  models = await buildTinyModels();
  scratch = await mkdtemp(join(tmpdir(), 'semroute-broken-'));
});
afterAll(async () => {
  await rm(models.root, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<ModelLoadError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(ModelLoadError.isInstance(error)).toBe(true);
  return error as ModelLoadError;
}

describe('readModelFolder', () => {
  it('reads task, labels and files from the Hugging Face layout', async () => {
    const folder = await readModelFolder({ model: models.classifier });
    expect(folder.task).toBe('text-classification');
    expect(folder.labels).toEqual(TINY_LABELS);
    expect(folder.onnxFile).toBe('onnx/model.onnx');
    expect(folder.sizeBytes).toBeGreaterThan(0);
  });

  it('fails fast naming the path when the folder, a file or the ONNX variant is missing', async () => {
    const missing = await failure(
      readModelFolder({
        model: join(scratch, 'nope'),
        configKey: 'global.model_catalog.system.domain_classifier',
      }),
    );
    expect(missing.message).toContain(join(scratch, 'nope'));
    expect(missing.message).toContain('global.model_catalog.system.domain_classifier');
    expect(missing.message).toContain('models:build');

    const partial = join(scratch, 'partial');
    await cp(models.classifier, partial, { recursive: true });
    await rm(join(partial, 'tokenizer.json'));
    expect((await failure(readModelFolder({ model: partial }))).message).toContain('missing tokenizer.json');

    const noFp16 = await failure(readModelFolder({ model: models.classifier, dtype: 'fp16' }));
    expect(noFp16.path).toBe(join(models.classifier, 'onnx', 'model_fp16.onnx'));
  });

  it('rejects broken JSON, a task mismatch and missing id2label', async () => {
    const broken = join(scratch, 'broken');
    await cp(models.classifier, broken, { recursive: true });
    await writeFile(join(broken, 'config.json'), '{ not json');
    expect((await failure(readModelFolder({ model: broken }))).message).toContain('not valid JSON');
    expect(
      (await failure(readModelFolder({ model: models.embedding, task: 'text-classification' }))).message,
    ).toContain('feature-extraction');

    const unlabelled = join(scratch, 'unlabelled');
    await cp(models.classifier, unlabelled, { recursive: true });
    const config = JSON.parse(await readFile(join(unlabelled, 'config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    delete config.id2label;
    await writeFile(join(unlabelled, 'config.json'), JSON.stringify(config));
    expect((await failure(readModelFolder({ model: unlabelled }))).message).toContain('id2label');
  });

  it('takes labels from a reference-router mapping file when present', async () => {
    const mapped = join(scratch, 'mapped');
    await cp(models.classifier, mapped, { recursive: true });
    await writeFile(
      join(mapped, 'category_mapping.json'),
      JSON.stringify({ category_to_idx: {}, idx_to_category: { 0: 'x', 1: 'y', 2: 'z' } }),
    );
    expect((await readModelFolder({ model: mapped })).labels).toEqual(['x', 'y', 'z']);
  });

  it('fails at load time, not on the first request, for a corrupt ONNX file on every backend', async () => {
    const corrupt = join(scratch, 'corrupt');
    await cp(models.classifier, corrupt, { recursive: true });
    await writeFile(join(corrupt, 'onnx', 'model.onnx'), 'garbage');
    expect((await failure(createOnnxClassifier({ model: corrupt }))).path).toContain(
      join('corrupt', 'onnx', 'model.onnx'),
    );
    const started = Date.now();
    await failure(createTransformersClassifier({ model: join(scratch, 'absent') }));
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('ADAPTER_DEPENDENCIES', () => {
  it('matches the versions in package.json', async () => {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const [name, range] of Object.entries(ADAPTER_DEPENDENCIES))
      expect(manifest.dependencies[name], name).toBe(range);
  });

  it('keeps the onnxruntime-node-install=skip line in .npmrc (offline installs)', async () => {
    expect(await readFile(new URL('../../../.npmrc', import.meta.url), 'utf8')).toContain(
      'onnxruntime-node-install=skip',
    );
  });
});
