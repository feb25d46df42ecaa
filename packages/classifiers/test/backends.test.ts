/**
 * The three backends (onnxruntime-node, onnxruntime-web/WASM, transformers.js) on the same model
 * folders: same labels, scores within 1e-4. Uses random tiny models built in milliseconds.
 */
import { rm } from 'node:fs/promises';
import type { ClassifierBackendV1, EmbeddingBackendV1, TokenClassifierBackendV1 } from '@semroute/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxClassifier, createOnnxEmbedder, createOnnxTokenClassifier } from '../src/onnx/index.js';
import { planLengthBuckets, TOKEN_BUCKET_RUN_COST } from '../src/runtime/length-buckets.js';
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

  it('truncates inputs to the model max length', async () => {
    const backend = await createOnnxClassifier({ model: models.classifier });
    const long = Array.from({ length: 200 }, () => 'hello world').join(' ');
    const { scores } = await backend.doClassify({ texts: [long] });
    expect(scores[0]!.length).toBe(TINY_LABELS.length);
  });
});
