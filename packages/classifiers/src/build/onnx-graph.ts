/**
 * Builds ONNX graphs (IR 8, standard ops only) for the GloVe-based default models, written with
 * `onnx-proto`. Inputs are `input_ids` and `attention_mask` (int64 `[batch, seq]`), outputs
 * `sentence_embedding` or `last_hidden_state` (feature extraction) or `logits`, as BERT-style and
 * sentence-transformers exports have them.
 *
 * @module
 */
import { importLib } from '../internal/import-lib.js';

/** One dense layer; `weights` is row-major `[inputSize, outputSize]`. */
export interface DenseLayer {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly activation: 'relu' | 'none';
}

const FLOAT = 1;
const INT64 = 7;
const OPSET = 13;

interface NodeSpec {
  readonly opType: string;
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly attribute?: readonly Record<string, unknown>[];
}

class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: Record<string, unknown>[] = [];
  private counter = 0;

  name(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  floatTensor(name: string, dims: readonly number[], data: Float32Array): string {
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.initializers.push({ name, dims: [...dims], dataType: FLOAT, rawData: bytes });
    return name;
  }

  int64Tensor(name: string, values: readonly number[]): string {
    const data = BigInt64Array.from(values.map((value) => BigInt(value)));
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: INT64,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }

  node(
    opType: string,
    input: readonly string[],
    attribute: readonly Record<string, unknown>[] = [],
    outputName?: string,
  ): string {
    const output = outputName ?? this.name(opType.toLowerCase());
    this.nodes.push({ opType, input, output: [output], attribute });
    return output;
  }
}

const intsAttribute = (name: string, ints: readonly number[]) => ({ name, type: 7, ints: [...ints] });
const intAttribute = (name: string, i: number) => ({ name, type: 2, i });

function dense(
  graph: GraphBuilder,
  input: string,
  layer: DenseLayer,
  index: number,
  rank: 2 | 3,
  outputName?: string,
): string {
  const weights = graph.floatTensor(
    `dense${index}_weight`,
    [layer.inputSize, layer.outputSize],
    layer.weights,
  );
  const bias = graph.floatTensor(`dense${index}_bias`, [layer.outputSize], layer.bias);
  const last = layer.activation === 'none' ? outputName : undefined;
  const linear =
    rank === 2
      ? graph.node('Gemm', [input, weights, bias], [], last)
      : graph.node('Add', [graph.node('MatMul', [input, weights]), bias], [], last);
  return layer.activation === 'relu' ? graph.node('Relu', [linear], [], outputName) : linear;
}

function applyLayers(graph: GraphBuilder, input: string, layers: readonly DenseLayer[], rank: 2 | 3): string {
  let current = input;
  layers.forEach((layer, index) => {
    current = dense(graph, current, layer, index, rank, index === layers.length - 1 ? 'logits' : undefined);
  });
  return current;
}

/** Pooling of the sequence classifier: masked mean (L2-normalised), optionally masked max. */
export interface SequencePooling {
  readonly mean: boolean;
  readonly max: boolean;
}

async function encode(
  graph: GraphBuilder,
  output: { name: string; dims: readonly (string | number)[] },
  producer: string,
  options: { readonly opset?: number; readonly inputs?: readonly string[] } = {},
): Promise<Uint8Array> {
  const module = await importLib('onnx-proto', () => import('onnx-proto'));
  const onnx =
    (
      module as unknown as {
        onnx?: typeof import('onnx-proto').onnx;
        default?: { onnx: typeof import('onnx-proto').onnx };
      }
    ).onnx ?? (module as unknown as { default: { onnx: typeof import('onnx-proto').onnx } }).default.onnx;
  const valueInfo = (name: string, dataType: number, dims: readonly (string | number)[]) => ({
    name,
    type: {
      tensorType: {
        elemType: dataType,
        shape: { dim: dims.map((dim) => (typeof dim === 'string' ? { dimParam: dim } : { dimValue: dim })) },
      },
    },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: producer,
    opsetImport: [{ domain: '', version: options.opset ?? OPSET }],
    graph: {
      name: 'main',
      node: graph.nodes.map((node) => ({
        ...node,
        input: [...node.input],
        output: [...node.output],
        attribute: [...(node.attribute ?? [])],
      })),
      initializer: graph.initializers,
      input: (options.inputs ?? ['input_ids', 'attention_mask']).map((name) =>
        valueInfo(name, INT64, ['batch', 'sequence']),
      ),
      output: [valueInfo(output.name, FLOAT, output.dims)],
    } as never,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Gathered word vectors and the float mask of a `[batch, sequence]` input, for masked pooling. */
function maskedWordVectors(graph: GraphBuilder, table: string) {
  const embedded = graph.node('Gather', [table, 'input_ids'], [intAttribute('axis', 0)]);
  const mask = graph.node('Cast', ['attention_mask'], [intAttribute('to', FLOAT)]);
  const mask3 = graph.node('Unsqueeze', [mask, graph.int64Tensor('axis_2', [2])]);
  const axis1 = graph.int64Tensor('axis_1', [1]);
  const epsilon = graph.floatTensor('epsilon', [], Float32Array.of(1e-9));
  /** `[batch, dim]`: the mean of the unmasked positions (`name` names the output). */
  const mean = (name?: string) => {
    const summed = graph.node(
      'ReduceSum',
      [graph.node('Mul', [embedded, mask3]), axis1],
      [intAttribute('keepdims', 0)],
    );
    const count = graph.node('Max', [
      graph.node('ReduceSum', [mask, axis1], [intAttribute('keepdims', 1)]),
      epsilon,
    ]);
    return graph.node('Div', [summed, count], [], name);
  };
  return { embedded, mask3, epsilon, mean };
}

/**
 * Word-vector feature extraction. `output: 'pooled'` (default) gives `sentence_embedding
 * [batch, dim]`, the masked mean of `Gather(table, input_ids)`, not normalised (the caller
 * truncates for Matryoshka, then L2-normalises), as sentence-transformers exports name it.
 * Pooling in the graph keeps a batch's per-text work in native code: pooling `[batch, sequence,
 * dim]` in JavaScript cost ~3 µs per text, more than the model itself. `output: 'tokens'` gives
 * `last_hidden_state [batch, sequence, dim]` and leaves pooling to the caller.
 */
export async function buildFeatureExtractionGraph(options: {
  readonly table: Float32Array;
  readonly dimensions: number;
  readonly output?: 'pooled' | 'tokens';
}): Promise<Uint8Array> {
  const graph = new GraphBuilder();
  const rows = options.table.length / options.dimensions;
  const table = graph.floatTensor('embeddings', [rows, options.dimensions], options.table);
  if (options.output === 'tokens') {
    graph.node('Gather', [table, 'input_ids'], [intAttribute('axis', 0)], 'last_hidden_state');
    // attention_mask is declared (BERT signature) but unused: the caller's pooling applies it.
    return encode(
      graph,
      { name: 'last_hidden_state', dims: ['batch', 'sequence', options.dimensions] },
      'semroute-glove-embedding',
    );
  }
  maskedWordVectors(graph, table).mean('sentence_embedding');
  return encode(
    graph,
    { name: 'sentence_embedding', dims: ['batch', options.dimensions] },
    'semroute-glove-embedding',
  );
}

/** Masked pooling over word vectors, then dense layers → `logits [batch, classes]`. */
export async function buildSequenceClassifierGraph(options: {
  readonly table: Float32Array;
  readonly dimensions: number;
  readonly pooling: SequencePooling;
  readonly layers: readonly DenseLayer[];
}): Promise<Uint8Array> {
  const graph = new GraphBuilder();
  const rows = options.table.length / options.dimensions;
  const table = graph.floatTensor('embeddings', [rows, options.dimensions], options.table);
  const { embedded, mask3, epsilon, mean: maskedMean } = maskedWordVectors(graph, table);
  const features: string[] = [];
  if (options.pooling.mean) {
    const mean = maskedMean();
    const norm = graph.node('Max', [
      graph.node('ReduceL2', [mean], [intsAttribute('axes', [1]), intAttribute('keepdims', 1)]),
      epsilon,
    ]);
    features.push(graph.node('Div', [mean, norm]));
  }
  if (options.pooling.max) {
    // Padded positions get -1e4 so they never win the max.
    const big = graph.floatTensor('big', [], Float32Array.of(1e4));
    const one = graph.floatTensor('one', [], Float32Array.of(1));
    const penalty = graph.node('Mul', [graph.node('Sub', [mask3, one]), big]);
    features.push(
      graph.node(
        'ReduceMax',
        [graph.node('Add', [embedded, penalty])],
        [intsAttribute('axes', [1]), intAttribute('keepdims', 0)],
      ),
    );
  }
  const pooled =
    features.length === 1 ? features[0]! : graph.node('Concat', features, [intAttribute('axis', 1)]);
  applyLayers(graph, pooled, options.layers, 2);
  const classes = options.layers[options.layers.length - 1]!.outputSize;
  return encode(graph, { name: 'logits', dims: ['batch', classes] }, 'semroute-glove-sequence-classifier');
}

/** Each token sees `[previous | current | next]` word vectors, then dense layers → `logits [batch, seq, classes]`. */
export async function buildTokenClassifierGraph(options: {
  readonly table: Float32Array;
  readonly dimensions: number;
  readonly layers: readonly DenseLayer[];
}): Promise<Uint8Array> {
  const graph = new GraphBuilder();
  const rows = options.table.length / options.dimensions;
  const table = graph.floatTensor('embeddings', [rows, options.dimensions], options.table);
  const embedded = graph.node('Gather', [table, 'input_ids'], [intAttribute('axis', 0)]);
  const padded = graph.node(
    'Pad',
    [embedded, graph.int64Tensor('pads', [0, 1, 0, 0, 1, 0])],
    [{ name: 'mode', type: 3, s: new TextEncoder().encode('constant') }],
  );
  const axis1 = graph.int64Tensor('slice_axis', [1]);
  const slice = (start: number, end: number) =>
    graph.node('Slice', [
      padded,
      graph.int64Tensor(graph.name('start'), [start]),
      graph.int64Tensor(graph.name('end'), [end]),
      axis1,
    ]);
  const window = graph.node(
    'Concat',
    [slice(0, -2), slice(1, -1), slice(2, 2 ** 62)],
    [intAttribute('axis', 2)],
  );
  applyLayers(graph, window, options.layers, 3);
  const classes = options.layers[options.layers.length - 1]!.outputSize;
  return encode(
    graph,
    { name: 'logits', dims: ['batch', 'sequence', classes] },
    'semroute-glove-token-classifier',
  );
}

/**
 * A BERT-shaped transformer encoder with random weights and a CLS classification head
 * (`BertForSequenceClassification`-like: inputs input_ids, attention_mask, token_type_ids;
 * output logits). For benchmarks and layout tests only; opset 17 (LayerNormalization).
 */
export async function buildEncoderClassifierGraph(options: {
  readonly vocabSize: number;
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly intermediate: number;
  readonly classes: number;
  readonly seed: number;
}): Promise<Uint8Array> {
  const { hidden, heads } = options;
  const headSize = hidden / heads;
  let state = options.seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const weights = (length: number, scale: number) =>
    Float32Array.from({ length }, () => (random() * 2 - 1) * scale);
  const graph = new GraphBuilder();
  const ones = (name: string) => graph.floatTensor(name, [hidden], new Float32Array(hidden).fill(1));
  const zeros = (name: string, size = hidden) => graph.floatTensor(name, [size], new Float32Array(size));
  const layerNorm = (input: string, name: string) =>
    graph.node(
      'LayerNormalization',
      [input, ones(`${name}_gamma`), zeros(`${name}_beta`)],
      [intAttribute('axis', -1), { name: 'epsilon', type: 1, f: 1e-12 }],
    );
  const linear = (input: string, name: string, inputs: number, outputs: number) =>
    graph.node('Add', [
      graph.node('MatMul', [
        input,
        graph.floatTensor(`${name}_w`, [inputs, outputs], weights(inputs * outputs, Math.sqrt(1 / inputs))),
      ]),
      zeros(`${name}_b`, outputs),
    ]);
  const words = graph.floatTensor(
    'word_embeddings',
    [options.vocabSize, hidden],
    weights(options.vocabSize * hidden, 0.05),
  );
  const types = graph.floatTensor('token_type_embeddings', [2, hidden], weights(2 * hidden, 0.05));
  let x = layerNorm(
    graph.node('Add', [
      graph.node('Gather', [words, 'input_ids'], [intAttribute('axis', 0)]),
      graph.node('Gather', [types, 'token_type_ids'], [intAttribute('axis', 0)]),
    ]),
    'embeddings_ln',
  );
  // Additive mask [batch, 1, 1, seq]: 0 for tokens, -1e4 for padding.
  const maskFloat = graph.node('Cast', ['attention_mask'], [intAttribute('to', FLOAT)]);
  const maskBias = graph.node('Mul', [
    graph.node('Sub', [graph.floatTensor('one', [], Float32Array.of(1)), maskFloat]),
    graph.floatTensor('minus_big', [], Float32Array.of(-1e4)),
  ]);
  const mask4 = graph.node('Unsqueeze', [maskBias, graph.int64Tensor('mask_axes', [1, 2])]);
  const splitShape = graph.int64Tensor('split_shape', [0, 0, heads, headSize]);
  const mergeShape = graph.int64Tensor('merge_shape', [0, 0, hidden]);
  const scale = graph.floatTensor('attention_scale', [], Float32Array.of(1 / Math.sqrt(headSize)));
  for (let layer = 0; layer < options.layers; layer++) {
    const split = (input: string) =>
      graph.node(
        'Transpose',
        [graph.node('Reshape', [input, splitShape])],
        [intsAttribute('perm', [0, 2, 1, 3])],
      );
    const q = split(linear(x, `l${layer}_q`, hidden, hidden));
    const k = graph.node(
      'Transpose',
      [graph.node('Reshape', [linear(x, `l${layer}_k`, hidden, hidden), splitShape])],
      [intsAttribute('perm', [0, 2, 3, 1])],
    );
    const v = split(linear(x, `l${layer}_v`, hidden, hidden));
    const scores = graph.node('Add', [graph.node('Mul', [graph.node('MatMul', [q, k]), scale]), mask4]);
    const probabilities = graph.node('Softmax', [scores], [intAttribute('axis', -1)]);
    const context = graph.node('Reshape', [
      graph.node(
        'Transpose',
        [graph.node('MatMul', [probabilities, v])],
        [intsAttribute('perm', [0, 2, 1, 3])],
      ),
      mergeShape,
    ]);
    x = layerNorm(graph.node('Add', [x, linear(context, `l${layer}_o`, hidden, hidden)]), `l${layer}_ln1`);
    const feedForward = linear(
      graph.node('Relu', [linear(x, `l${layer}_ff1`, hidden, options.intermediate)]),
      `l${layer}_ff2`,
      options.intermediate,
      hidden,
    );
    x = layerNorm(graph.node('Add', [x, feedForward]), `l${layer}_ln2`);
  }
  const cls = graph.node('Gather', [x, graph.int64Tensor('cls_index', [0])], [intAttribute('axis', 1)]);
  const pooled = graph.node('Reshape', [cls, graph.int64Tensor('pooled_shape', [-1, hidden])]);
  graph.node(
    'Gemm',
    [
      pooled,
      graph.floatTensor('classifier_w', [hidden, options.classes], weights(hidden * options.classes, 0.1)),
      zeros('classifier_b', options.classes),
    ],
    [],
    'logits',
  );
  return encode(graph, { name: 'logits', dims: ['batch', options.classes] }, 'semroute-random-encoder', {
    opset: 17,
    inputs: ['input_ids', 'attention_mask', 'token_type_ids'],
  });
}
