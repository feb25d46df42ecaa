/**
 * Builds ONNX graphs (IR 8, standard ops only) for the GloVe-based default models, written with
 * `onnx-proto`. Inputs are `input_ids` and `attention_mask` (int64 `[batch, seq]`), outputs
 * `last_hidden_state` (feature extraction) or `logits`, exactly what a BERT-style export has.
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
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: 'main',
      node: graph.nodes.map((node) => ({
        ...node,
        input: [...node.input],
        output: [...node.output],
        attribute: [...(node.attribute ?? [])],
      })),
      initializer: graph.initializers,
      input: [
        valueInfo('input_ids', INT64, ['batch', 'sequence']),
        valueInfo('attention_mask', INT64, ['batch', 'sequence']),
      ],
      output: [valueInfo(output.name, FLOAT, output.dims)],
    } as never,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** `last_hidden_state = Gather(table, input_ids)`; the caller pools. */
export async function buildFeatureExtractionGraph(options: {
  readonly table: Float32Array;
  readonly dimensions: number;
}): Promise<Uint8Array> {
  const graph = new GraphBuilder();
  const rows = options.table.length / options.dimensions;
  const table = graph.floatTensor('embeddings', [rows, options.dimensions], options.table);
  graph.node('Gather', [table, 'input_ids'], [intAttribute('axis', 0)], 'last_hidden_state');
  // attention_mask is declared (BERT signature) but unused: the caller's pooling applies it.
  return encode(
    graph,
    { name: 'last_hidden_state', dims: ['batch', 'sequence', options.dimensions] },
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
  const embedded = graph.node('Gather', [table, 'input_ids'], [intAttribute('axis', 0)]);
  const mask = graph.node('Cast', ['attention_mask'], [intAttribute('to', FLOAT)]);
  const mask3 = graph.node('Unsqueeze', [mask, graph.int64Tensor('axis_2', [2])]);
  const axis1 = graph.int64Tensor('axis_1', [1]);
  const epsilon = graph.floatTensor('epsilon', [], Float32Array.of(1e-9));
  const features: string[] = [];
  if (options.pooling.mean) {
    const summed = graph.node(
      'ReduceSum',
      [graph.node('Mul', [embedded, mask3]), axis1],
      [intAttribute('keepdims', 0)],
    );
    const count = graph.node('Max', [
      graph.node('ReduceSum', [mask, axis1], [intAttribute('keepdims', 1)]),
      epsilon,
    ]);
    const mean = graph.node('Div', [summed, count]);
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
