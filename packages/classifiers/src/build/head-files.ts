/**
 * Committed head weights (small JSON, float32 arrays as base64) and where they live. Heads are
 * vocabulary-free: dense weights over GloVe features, the SIF common component and metrics.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelLoadError } from '@semroute/core';
import { PACKAGE_ROOT } from '../internal/package-root.js';
import type { DenseLayer, SequencePooling } from './onnx-graph.js';

export const HEAD_FORMAT = 'semroute-head-v1';

/** `packages/classifiers/heads` (next to `src` and `dist`). */
export const DEFAULT_HEADS_DIR = join(PACKAGE_ROOT, 'heads');

export function encodeFloats(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeFloats(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

export interface SerializedLayer {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly activation: 'relu' | 'none';
  readonly weights: string;
  readonly bias: string;
}

export interface EmbeddingHead {
  readonly format: typeof HEAD_FORMAT;
  readonly model: string;
  readonly vocabSize: number;
  /** First principal component of SIF sentence means over the MMLU-Pro training split. */
  readonly commonComponent: string;
  readonly training: Readonly<Record<string, unknown>>;
}

export interface ClassifierHead {
  readonly format: typeof HEAD_FORMAT;
  readonly model: string;
  readonly task: 'text-classification' | 'token-classification';
  readonly vocabSize: number;
  readonly labels: readonly string[];
  readonly pooling?: SequencePooling;
  /** Token models: how many capitalised word forms the cased vocabulary adds. */
  readonly capitalised?: number;
  readonly layers: readonly SerializedLayer[];
  readonly training: Readonly<Record<string, unknown>>;
  /** Validation metrics measured by the trainer (BENCHMARKS.md has the pipeline figures). */
  readonly metrics: Readonly<Record<string, unknown>>;
}

export const serializeLayers = (layers: readonly DenseLayer[]): SerializedLayer[] =>
  layers.map((layer) => ({
    inputSize: layer.inputSize,
    outputSize: layer.outputSize,
    activation: layer.activation,
    weights: encodeFloats(layer.weights),
    bias: encodeFloats(layer.bias),
  }));

export const deserializeLayers = (layers: readonly SerializedLayer[]): DenseLayer[] =>
  layers.map((layer) => ({
    inputSize: layer.inputSize,
    outputSize: layer.outputSize,
    activation: layer.activation,
    weights: decodeFloats(layer.weights),
    bias: decodeFloats(layer.bias),
  }));

export async function readHead<T>(headsDir: string, model: string): Promise<T> {
  const path = join(headsDir, `${model}.json`);
  if (!existsSync(path)) {
    throw new ModelLoadError({
      message: `head weights ${path} are missing; run \`pnpm models:train\` (needs ../shared/datasets)`,
      path,
    });
  }
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

export async function writeHead(headsDir: string, model: string, head: object): Promise<string> {
  const path = join(headsDir, `${model}.json`);
  await writeFile(path, `${JSON.stringify(head, null, 1)}\n`);
  return path;
}
