/**
 * A small dense-network trainer in plain TypeScript: softmax cross-entropy, Adam, L2, ReLU
 * hidden layers, mini-batches, seeded. Enough for linear and one-hidden-layer heads over
 * pooled word vectors; weights come out in the `DenseLayer` layout the ONNX builder takes.
 *
 * @module
 */
import type { DenseLayer } from './onnx-graph.js';

export interface TrainOptions {
  /** Sizes of the hidden layers (empty = softmax regression). */
  readonly hidden: readonly number[];
  readonly epochs: number;
  readonly learningRate: number;
  readonly l2: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Per-class loss weights (e.g. to down-weight `O` in token classification). */
  readonly classWeights?: Float32Array;
  readonly onEpoch?: (epoch: number, loss: number) => void;
}

/** Seeded PRNG (mulberry32). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Layer {
  inputSize: number;
  outputSize: number;
  weights: Float32Array;
  bias: Float32Array;
  relu: boolean;
  mW: Float32Array;
  vW: Float32Array;
  mB: Float32Array;
  vB: Float32Array;
  gW: Float32Array;
  gB: Float32Array;
}

function forwardLayer(layer: Layer, input: Float32Array, rows: number, output: Float32Array): void {
  const { inputSize, outputSize, weights, bias } = layer;
  for (let r = 0; r < rows; r++) {
    const o = r * outputSize;
    for (let j = 0; j < outputSize; j++) output[o + j] = bias[j]!;
    const i0 = r * inputSize;
    for (let i = 0; i < inputSize; i++) {
      const x = input[i0 + i]!;
      if (x === 0) continue;
      const w0 = i * outputSize;
      for (let j = 0; j < outputSize; j++) output[o + j]! += x * weights[w0 + j]!;
    }
    if (layer.relu) for (let j = 0; j < outputSize; j++) if (output[o + j]! < 0) output[o + j] = 0;
  }
}

/** Applies dense layers to a row-major feature matrix; returns logits. */
export function predictLogits(
  layers: readonly DenseLayer[],
  features: Float32Array,
  rows: number,
): Float32Array {
  let current = features;
  for (const layer of layers) {
    const output = new Float32Array(rows * layer.outputSize);
    forwardLayer({ ...layer, relu: layer.activation === 'relu' } as unknown as Layer, current, rows, output);
    current = output;
  }
  return current;
}

/** Trains on `features [rows, inputSize]` with integer `targets`; returns the layers. */
export function trainMlp(
  features: Float32Array,
  targets: Int32Array,
  inputSize: number,
  classes: number,
  options: TrainOptions,
): DenseLayer[] {
  const rows = targets.length;
  const random = createRandom(options.seed);
  const sizes = [inputSize, ...options.hidden, classes];
  const layers: Layer[] = [];
  for (let index = 0; index < sizes.length - 1; index++) {
    const inputs = sizes[index]!;
    const outputs = sizes[index + 1]!;
    const scale = Math.sqrt(2 / inputs);
    const weights = new Float32Array(inputs * outputs);
    for (let k = 0; k < weights.length; k++)
      weights[k] = (random() * 2 - 1) * scale * (index === sizes.length - 2 ? 0.1 : 1);
    const count = inputs * outputs;
    layers.push({
      inputSize: inputs,
      outputSize: outputs,
      weights,
      bias: new Float32Array(outputs),
      relu: index < sizes.length - 2,
      mW: new Float32Array(count),
      vW: new Float32Array(count),
      mB: new Float32Array(outputs),
      vB: new Float32Array(outputs),
      gW: new Float32Array(count),
      gB: new Float32Array(outputs),
    });
  }
  const order = Int32Array.from({ length: rows }, (_, index) => index);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let step = 0;
  const batchSize = Math.min(options.batchSize, rows);
  const activations = sizes.map((size) => new Float32Array(batchSize * size));
  const deltas = sizes.map((size) => new Float32Array(batchSize * size));
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let k = rows - 1; k > 0; k--) {
      const swap = Math.floor(random() * (k + 1));
      const tmp = order[k]!;
      order[k] = order[swap]!;
      order[swap] = tmp;
    }
    let epochLoss = 0;
    for (let start = 0; start < rows; start += batchSize) {
      const count = Math.min(batchSize, rows - start);
      const input = activations[0]!;
      for (let r = 0; r < count; r++)
        input.set(
          features.subarray(order[start + r]! * inputSize, (order[start + r]! + 1) * inputSize),
          r * inputSize,
        );
      for (let l = 0; l < layers.length; l++)
        forwardLayer(layers[l]!, activations[l]!, count, activations[l + 1]!);
      // softmax cross-entropy gradient
      const logits = activations[layers.length]!;
      const delta = deltas[layers.length]!;
      let weightSum = 0;
      for (let r = 0; r < count; r++) {
        const target = targets[order[start + r]!]!;
        const weight = options.classWeights ? options.classWeights[target]! : 1;
        weightSum += weight;
        const o = r * classes;
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < classes; j++) max = Math.max(max, logits[o + j]!);
        let sum = 0;
        for (let j = 0; j < classes; j++) sum += Math.exp(logits[o + j]! - max);
        for (let j = 0; j < classes; j++) {
          const p = Math.exp(logits[o + j]! - max) / sum;
          delta[o + j] = weight * (p - (j === target ? 1 : 0));
        }
        epochLoss -= weight * (logits[o + target]! - max - Math.log(sum));
      }
      const norm = 1 / Math.max(weightSum, 1e-9);
      for (let l = layers.length - 1; l >= 0; l--) {
        const layer = layers[l]!;
        const input = activations[l]!;
        const outDelta = deltas[l + 1]!;
        const { inputSize: ni, outputSize: no } = layer;
        layer.gW.fill(0);
        layer.gB.fill(0);
        for (let r = 0; r < count; r++) {
          const o = r * no;
          const i0 = r * ni;
          for (let j = 0; j < no; j++) layer.gB[j]! += outDelta[o + j]!;
          for (let i = 0; i < ni; i++) {
            const x = input[i0 + i]!;
            if (x === 0) continue;
            const w0 = i * no;
            for (let j = 0; j < no; j++) layer.gW[w0 + j]! += x * outDelta[o + j]!;
          }
        }
        if (l > 0) {
          const inDelta = deltas[l]!;
          for (let r = 0; r < count; r++) {
            const o = r * no;
            const i0 = r * ni;
            for (let i = 0; i < ni; i++) {
              if (input[i0 + i]! <= 0) {
                inDelta[i0 + i] = 0;
                continue;
              }
              const w0 = i * no;
              let sum = 0;
              for (let j = 0; j < no; j++) sum += layer.weights[w0 + j]! * outDelta[o + j]!;
              inDelta[i0 + i] = sum;
            }
          }
        }
      }
      step += 1;
      const correction1 = 1 - beta1 ** step;
      const correction2 = 1 - beta2 ** step;
      for (const layer of layers) {
        const update = (
          params: Float32Array,
          grads: Float32Array,
          m: Float32Array,
          v: Float32Array,
          decay: number,
        ) => {
          for (let k = 0; k < params.length; k++) {
            const g = grads[k]! * norm + decay * params[k]!;
            m[k] = beta1 * m[k]! + (1 - beta1) * g;
            v[k] = beta2 * v[k]! + (1 - beta2) * g * g;
            params[k]! -=
              (options.learningRate * (m[k]! / correction1)) / (Math.sqrt(v[k]! / correction2) + 1e-8);
          }
        };
        update(layer.weights, layer.gW, layer.mW, layer.vW, options.l2);
        update(layer.bias, layer.gB, layer.mB, layer.vB, 0);
      }
    }
    options.onEpoch?.(epoch, epochLoss / rows);
  }
  return layers.map((layer) => ({
    inputSize: layer.inputSize,
    outputSize: layer.outputSize,
    weights: layer.weights,
    bias: layer.bias,
    activation: layer.relu ? 'relu' : 'none',
  }));
}
