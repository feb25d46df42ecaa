/**
 * The three backends (onnxruntime-node, onnxruntime-web/WASM, transformers.js) on the same model
 * folders: same labels, scores within 1e-4. Uses random tiny models built in milliseconds.
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClassifierBackendV1, EmbeddingBackendV1, TokenClassifierBackendV1 } from '@semroute/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxClassifier, createOnnxEmbedder, createOnnxTokenClassifier } from '../src/onnx/index.js';
import { planLengthBuckets, TOKEN_BUCKET_RUN_COST } from '../src/runtime/length-buckets.js';
import { topLabels } from '../src/runtime/post-process.js';
import {
  createTransformersClassifier,
  createTransformersEmbedder,
  createTransformersTokenClassifier,
} from '../src/transformers/index.js';
import { createWasmClassifier, createWasmEmbedder, createWasmTokenClassifier } from '../src/wasm/index.js';
import { buildTinyModels, TINY_LABELS, type TinyModels } from './tiny-models.js';

const TEXTS = [
  'Hello world!',
  'the cat sat on the mat',
  'John Smith lives in Paris.',
  'integral law contract math',
  '',
  'unknownword hello',
];

let models: TinyModels;
beforeAll(async () => {
  models = await buildTinyModels();
});
afterAll(async () => {
  await rm(models.root, { recursive: true, force: true });
});

function expectClose(a: readonly Float32Array[], b: readonly Float32Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((row, index) => {
    expect(row.length).toBe(b[index]!.length);
    for (const [j, value] of row.entries()) expect(Math.abs(value - b[index]![j]!)).toBeLessThan(1e-4);
  });
}

describe('backend parity', () => {
  it('sequence classification: same labels and scores on onnx, wasm and transformers', async () => {
    const backends: ClassifierBackendV1[] = [
      await createOnnxClassifier({ model: models.classifier }),
      await createWasmClassifier({ model: models.classifier }),
      await createTransformersClassifier({ model: models.classifier }),
    ];
    const results = await Promise.all(backends.map((backend) => backend.doClassify({ texts: TEXTS })));
    for (const backend of backends) expect(backend.labels).toEqual(TINY_LABELS);
    expect(backends.map((backend) => backend.provider)).toEqual([
      'onnxruntime-node',
      'onnxruntime-web',
      'transformers.js',
    ]);
    for (const result of results)
      for (const row of result.scores) expect(row.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 5);
    expectClose(results[0]!.scores, results[1]!.scores);
    expectClose(results[0]!.scores, results[2]!.scores);
    await Promise.all(backends.map((backend) => backend.dispose?.()));
  });

  it('embeddings: unit vectors, equal across backends, Matryoshka truncation', async () => {
    const backends: EmbeddingBackendV1[] = [
      await createOnnxEmbedder({ model: models.embedding }),
      await createWasmEmbedder({ model: models.embedding }),
      await createTransformersEmbedder({ model: models.embedding }),
    ];
    const texts = TEXTS.filter((text) => text !== '' && text !== 'unknownword hello');
    const results = await Promise.all(backends.map((backend) => backend.doEmbed({ texts })));
    for (const row of results[0]!.embeddings) expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    expectClose(results[0]!.embeddings, results[1]!.embeddings);
    expectClose(results[0]!.embeddings, results[2]!.embeddings);
    const truncated = await createOnnxEmbedder({ model: models.embedding, dimensions: 4 });
    expect(truncated.dimensions).toBe(4);
    const [vector] = (await truncated.doEmbed({ texts: ['hello world'] })).embeddings;
    expect(vector!.length).toBe(4);
    expect(Math.hypot(...vector!)).toBeCloseTo(1, 5);
  });

  it('token classification: same spans (character offsets, prefixes stripped) across backends', async () => {
    const backends: TokenClassifierBackendV1[] = [
      await createOnnxTokenClassifier({ model: models.tokens }),
      await createWasmTokenClassifier({ model: models.tokens }),
      await createTransformersTokenClassifier({ model: models.tokens }),
    ];
    const texts = ['John Smith lives in Paris.', 'The cat sat on the mat!'];
    const results = await Promise.all(backends.map((backend) => backend.doClassifyTokens({ texts })));
    for (const backend of backends) expect(backend.labels).toEqual(['PERSON', 'GPE']);
    const strip = (spans: (typeof results)[number]['spans']) =>
      spans.map((row) => row.map(({ label, start, end }) => ({ label, start, end })));
    expect(strip(results[1]!.spans)).toEqual(strip(results[0]!.spans));
    expect(strip(results[2]!.spans)).toEqual(strip(results[0]!.spans));
    results[0]!.spans.forEach((row, index) => {
      for (const span of row) {
        expect(span.start).toBeGreaterThanOrEqual(0);
        expect(span.end).toBeLessThanOrEqual(texts[index]!.length);
        expect(texts[index]!.slice(span.start, span.end).trim()).not.toBe('');
      }
    });
    results[0]!.spans.flat().forEach((span, index) => {
      expect(Math.abs(span.score - results[1]!.spans.flat()[index]!.score)).toBeLessThan(1e-4);
      expect(Math.abs(span.score - results[2]!.spans.flat()[index]!.score)).toBeLessThan(1e-4);
    });
  });

  it('token classification: a mixed-length batch (split into length buckets) = each text alone, in order', async () => {
    const long = `John Smith lives in Paris ${'and the cat sat on the mat '.repeat(30)}with Mary Jones.`;
    const texts = ['John Smith lives in Paris.', long, 'The cat sat.', 'Mary Jones', long.slice(0, 40), 'hi'];
    // The planner splits this batch (one ~200-token text among short ones).
    expect(planLengthBuckets([6, 200, 4, 2, 9, 1], TOKEN_BUCKET_RUN_COST).length).toBeGreaterThan(1);
    for (const backend of [
      await createOnnxTokenClassifier({ model: models.tokens }),
      await createWasmTokenClassifier({ model: models.tokens }),
      await createTransformersTokenClassifier({ model: models.tokens }),
    ]) {
      const { spans } = await backend.doClassifyTokens({ texts });
      expect(spans).toHaveLength(texts.length);
      for (const [index, text] of texts.entries()) {
        const alone = (await backend.doClassifyTokens({ texts: [text] })).spans[0]!;
        expect(spans[index]!.map(({ label, start, end }) => ({ label, start, end }))).toEqual(
          alone.map(({ label, start, end }) => ({ label, start, end })),
        );
        spans[index]!.forEach((span, k) => {
          expect(Math.abs(span.score - alone[k]!.score)).toBeLessThan(1e-5);
        });
      }
      expect(spans[1]!.length).toBeGreaterThan(0);
    }
  });

  it('a BERT-shaped export ([CLS]/[SEP], token_type_ids, attention layers) loads unchanged on every backend', async () => {
    const backends: ClassifierBackendV1[] = [
      await createOnnxClassifier({ model: models.bert }),
      await createWasmClassifier({ model: models.bert }),
      await createTransformersClassifier({ model: models.bert }),
    ];
    const texts = ['Hello world!', 'the cat sat on the mat', 'John Smith lives in Paris.'];
    const results = await Promise.all(backends.map((backend) => backend.doClassify({ texts })));
    expectClose(results[0]!.scores, results[1]!.scores);
    expectClose(results[0]!.scores, results[2]!.scores);
    // Padding must not change a row's result (mask applied inside attention).
    const alone = await backends[0]!.doClassify({ texts: ['Hello world!'] });
    expectClose(alone.scores, [results[0]!.scores[0]!]);
  });

  it('multi-label (sigmoid) classification: same scores and top-k labels on every backend', async () => {
    const multiLabel = join(models.root, 'tiny-multi-label');
    await cp(models.classifier, multiLabel, { recursive: true });
    const configPath = join(multiLabel, 'config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    await writeFile(configPath, JSON.stringify({ ...config, problem_type: 'multi_label_classification' }));
    const backends: ClassifierBackendV1[] = [
      await createOnnxClassifier({ model: multiLabel }),
      await createWasmClassifier({ model: multiLabel }),
      await createTransformersClassifier({ model: multiLabel }),
    ];
    const results = await Promise.all(backends.map((backend) => backend.doClassify({ texts: TEXTS })));
    // Independent sigmoids: rows do not sum to 1 (a softmax would).
    expect(
      results[2]!.scores.some((row) => Math.abs(row.reduce((sum, value) => sum + value, 0) - 1) > 0.05),
    ).toBe(true);
    expectClose(results[0]!.scores, results[1]!.scores);
    expectClose(results[0]!.scores, results[2]!.scores);
    const top = (scores: Float32Array) => topLabels(scores, TINY_LABELS, { k: 2 }).map(({ label }) => label);
    expect(results[2]!.scores.map(top)).toEqual(results[0]!.scores.map(top));
    await Promise.all(backends.map((backend) => backend.dispose?.()));
  });

  it('embeddings: mean pooling in the graph (sentence_embedding) equals pooling token outputs, on every backend', async () => {
    const texts = [
      'hello world',
      'the cat sat on the mat and the cat sat',
      'law',
      'john smith lives in paris',
    ];
    const reference = await createOnnxEmbedder({ model: models.embedding });
    const expected = (await reference.doEmbed({ texts })).embeddings;
    for (const create of [createOnnxEmbedder, createWasmEmbedder, createTransformersEmbedder]) {
      const pooled = await create({ model: models.pooledEmbedding });
      // One padded batch, and each text alone.
      expectClose((await pooled.doEmbed({ texts })).embeddings, expected);
      for (const [index, text] of texts.entries())
        expectClose((await pooled.doEmbed({ texts: [text] })).embeddings, [expected[index]!]);
      // Matryoshka truncation happens before normalisation, as with token outputs.
      const truncated = await create({ model: models.pooledEmbedding, dimensions: 4 });
      const reference4 = await createOnnxEmbedder({ model: models.embedding, dimensions: 4 });
      expectClose(
        (await truncated.doEmbed({ texts })).embeddings,
        (await reference4.doEmbed({ texts })).embeddings,
      );
      await Promise.all([pooled, truncated, reference4].map((backend) => backend.dispose?.()));
    }
    await reference.dispose?.();
  });

  it('embeddings: CLS pooling and Matryoshka truncation agree on every backend', async () => {
    const options = { model: models.embedding, pooling: 'cls', dimensions: 4 } as const;
    const backends: EmbeddingBackendV1[] = [
      await createOnnxEmbedder(options),
      await createWasmEmbedder(options),
      await createTransformersEmbedder(options),
    ];
    const texts = ['hello world', 'the cat sat on the mat', 'john smith lives in paris'];
    const results = await Promise.all(backends.map((backend) => backend.doEmbed({ texts })));
    for (const backend of backends) expect(backend.dimensions).toBe(4);
    for (const row of results[2]!.embeddings) {
      expect(row.length).toBe(4);
      expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    }
    expectClose(results[0]!.embeddings, results[1]!.embeddings);
    expectClose(results[0]!.embeddings, results[2]!.embeddings);
    // CLS pooling without a [CLS] token takes the first word's vector: texts starting with the
    // same word embed alike, whatever follows (mean pooling would tell them apart).
    const [first, second] = (await backends[2]!.doEmbed({ texts: ['hello world', 'hello cat mat'] }))
      .embeddings;
    expectClose([first!], [second!]);
    await Promise.all(backends.map((backend) => backend.dispose?.()));
  });

  it('transformers.js: a padded batch gives each text what it gives alone (classifier, BERT, embedder)', async () => {
    const texts = ['Hello world!', 'the cat sat on the mat and the cat sat on the mat', 'law', ''];
    for (const model of [models.classifier, models.bert]) {
      const backend = await createTransformersClassifier({ model });
      const batch = await backend.doClassify({ texts });
      for (const [index, text] of texts.entries())
        expectClose((await backend.doClassify({ texts: [text] })).scores, [batch.scores[index]!]);
      await backend.dispose?.();
    }
    const embedder = await createTransformersEmbedder({ model: models.embedding });
    const embedTexts = texts.filter((text) => text !== '');
    const batch = await embedder.doEmbed({ texts: embedTexts });
    for (const [index, text] of embedTexts.entries())
      expectClose((await embedder.doEmbed({ texts: [text] })).embeddings, [batch.embeddings[index]!]);
    await embedder.dispose?.();
  });

  it("transformers.js: tokenizer 'library' and 'auto' give the same scores and embeddings", async () => {
    for (const model of [models.classifier, models.bert]) {
      const [auto, library] = [
        await createTransformersClassifier({ model }),
        await createTransformersClassifier({ model, tokenizer: 'library' }),
      ];
      expectClose(
        (await auto.doClassify({ texts: TEXTS })).scores,
        (await library.doClassify({ texts: TEXTS })).scores,
      );
    }
    const [auto, library] = [
      await createTransformersEmbedder({ model: models.embedding }),
      await createTransformersEmbedder({ model: models.embedding, tokenizer: 'library' }),
    ];
    const texts = ['hello world', 'the cat sat on the mat'];
    expectClose((await auto.doEmbed({ texts })).embeddings, (await library.doEmbed({ texts })).embeddings);
  });

  it('transformers.js: hub downloads stay off unless allowRemoteModels is set', async () => {
    const real = await import('@huggingface/transformers');
    const loads: Record<string, unknown>[] = [];
    // The real module, recording what each load is asked for.
    const lib = {
      env: real.env,
      Tensor: real.Tensor,
      AutoModelForSequenceClassification: {
        from_pretrained: (id: string, options: Record<string, unknown>) => {
          loads.push({ ...options, allowRemoteModels: real.env.allowRemoteModels });
          return real.AutoModelForSequenceClassification.from_pretrained(id, options);
        },
      },
    };
    const local = await createTransformersClassifier({ model: models.classifier, lib });
    const remote = await createTransformersClassifier({
      model: models.classifier,
      lib,
      allowRemoteModels: true,
    });
    expect(loads).toMatchObject([
      { allowRemoteModels: false, local_files_only: true },
      { allowRemoteModels: true, local_files_only: false },
    ]);
    expectClose(
      (await local.doClassify({ texts: TEXTS })).scores,
      (await remote.doClassify({ texts: TEXTS })).scores,
    );
    await local.dispose?.();
    await remote.dispose?.();
  });

  it('truncates inputs to the model max length', async () => {
    const backend = await createOnnxClassifier({ model: models.classifier });
    const long = Array.from({ length: 200 }, () => 'hello world').join(' ');
    const { scores } = await backend.doClassify({ texts: [long] });
    expect(scores[0]!.length).toBe(TINY_LABELS.length);
  });
});
