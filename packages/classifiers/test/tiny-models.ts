/**
 * Random tiny models in the Hugging Face layout, built with the same builders as the default
 * models, for shape, parity and error-path tests (no GloVe, no datasets, milliseconds to build).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  modelConfigJson,
  tokenizerConfigJson,
  wordPieceTokenizerJson,
  writeModelFolder,
} from '../src/build/hf-layout.js';
import {
  buildEncoderClassifierGraph,
  buildFeatureExtractionGraph,
  buildSequenceClassifierGraph,
  buildTokenClassifierGraph,
  type DenseLayer,
} from '../src/build/onnx-graph.js';
import { createRandom } from '../src/build/train-mlp.js';

export const TINY_WORDS = [
  'hello',
  'world',
  'the',
  'cat',
  'sat',
  'on',
  'mat',
  'math',
  'law',
  'john',
  'smith',
  'lives',
  'in',
  'paris',
  'integral',
  'contract',
  ',',
  '.',
  '!',
  '?',
];
export const TINY_CASED = [...TINY_WORDS, 'John', 'Smith', 'Paris', 'The'];
export const TINY_LABELS = ['alpha', 'beta', 'gamma'];
export const TINY_TAGS = ['O', 'B-PERSON', 'I-PERSON', 'B-GPE', 'I-GPE'];
const DIMENSIONS = 8;

function randomArray(random: () => number, length: number, scale = 1): Float32Array {
  return Float32Array.from({ length }, () => (random() * 2 - 1) * scale);
}

function layer(
  random: () => number,
  inputSize: number,
  outputSize: number,
  activation: 'relu' | 'none',
): DenseLayer {
  return {
    inputSize,
    outputSize,
    activation,
    weights: randomArray(random, inputSize * outputSize),
    bias: randomArray(random, outputSize, 0.1),
  };
}

export interface TinyModels {
  readonly root: string;
  readonly embedding: string;
  /** The same word vectors with mean pooling in the graph (`sentence_embedding`), like the default model. */
  readonly pooledEmbedding: string;
  readonly classifier: string;
  readonly tokens: string;
  /** BERT-shaped: [CLS]/[SEP] post-processor, token_type_ids input, transformer layers, CLS head. */
  readonly bert: string;
}

export async function buildTinyModels(root?: string): Promise<TinyModels> {
  const dir = root ?? (await mkdtemp(join(tmpdir(), 'semroute-tiny-')));
  const random = createRandom(42);
  const rows = 4 + TINY_WORDS.length;
  const table = randomArray(random, rows * DIMENSIONS);
  table.fill(0, 0, DIMENSIONS); // [PAD]
  const casedRows = 4 + TINY_CASED.length;
  const casedTable = randomArray(random, casedRows * DIMENSIONS);
  casedTable.fill(0, 0, DIMENSIONS);
  const tokenizer = {
    tokenizer: wordPieceTokenizerJson(TINY_WORDS, { lowercase: true }),
    tokenizerConfig: tokenizerConfigJson({ lowercase: true, maxLength: 16 }),
  };
  const embeddingFolder = async (name: string, output: 'tokens' | 'pooled') => {
    const folder = join(dir, name);
    await writeModelFolder({
      dir: folder,
      config: modelConfigJson({
        architecture: 'BertModel',
        hiddenSize: DIMENSIONS,
        vocabSize: rows,
        maxLength: 16,
      }),
      ...tokenizer,
      onnx: await buildFeatureExtractionGraph({ table, dimensions: DIMENSIONS, output }),
    });
    return folder;
  };
  // Token outputs, so the tests cover pooling in JavaScript (mean, CLS, Matryoshka).
  const embedding = await embeddingFolder('tiny-embedding', 'tokens');
  const pooledEmbedding = await embeddingFolder('tiny-embedding-pooled', 'pooled');
  const classifier = join(dir, 'tiny-classifier');
  await writeModelFolder({
    dir: classifier,
    config: modelConfigJson({
      architecture: 'BertForSequenceClassification',
      labels: TINY_LABELS,
      hiddenSize: DIMENSIONS,
      vocabSize: rows,
      maxLength: 16,
    }),
    ...tokenizer,
    onnx: await buildSequenceClassifierGraph({
      table,
      dimensions: DIMENSIONS,
      pooling: { mean: true, max: false },
      layers: [layer(random, DIMENSIONS, 6, 'relu'), layer(random, 6, TINY_LABELS.length, 'none')],
    }),
  });
  const tokens = join(dir, 'tiny-tokens');
  await writeModelFolder({
    dir: tokens,
    config: modelConfigJson({
      architecture: 'BertForTokenClassification',
      labels: TINY_TAGS,
      hiddenSize: DIMENSIONS,
      vocabSize: casedRows,
      maxLength: 16,
    }),
    tokenizer: wordPieceTokenizerJson(TINY_CASED, { lowercase: false }),
    tokenizerConfig: tokenizerConfigJson({ lowercase: false, maxLength: 16 }),
    onnx: await buildTokenClassifierGraph({
      table: casedTable,
      dimensions: DIMENSIONS,
      layers: [layer(random, DIMENSIONS * 3, TINY_TAGS.length, 'none')],
    }),
  });
  const bert = join(dir, 'tiny-bert');
  await writeModelFolder({
    dir: bert,
    config: modelConfigJson({
      architecture: 'BertForSequenceClassification',
      labels: TINY_LABELS,
      hiddenSize: 32,
      vocabSize: rows,
      maxLength: 16,
    }),
    tokenizer: wordPieceTokenizerJson(TINY_WORDS, { lowercase: true, clsSep: true }),
    tokenizerConfig: tokenizerConfigJson({ lowercase: true, maxLength: 16 }),
    onnx: await buildEncoderClassifierGraph({
      vocabSize: rows,
      hidden: 32,
      layers: 2,
      heads: 4,
      intermediate: 64,
      classes: TINY_LABELS.length,
      seed: 3,
    }),
  });
  return { root: dir, embedding, pooledEmbedding, classifier, tokens, bert };
}
