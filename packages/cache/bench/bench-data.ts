/**
 * Synthetic 384-d data for the cache benchmarks. Stored vectors are either uniform on the
 * sphere (`random`, the hard case for graph indexes) or clustered like sentence embeddings
 * (`clustered`: 1,000 topic centroids plus per-item noise). Queries are near-duplicates of a
 * stored vector at cosine 0.85–0.95: the case a cache exists for.
 */

export function createRandom(seed: number) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gaussian = () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
  return { uniform, gaussian };
}

export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const scale = 1 / Math.sqrt(sum);
  for (let index = 0; index < vector.length; index++) vector[index] = (vector[index] as number) * scale;
  return vector;
}

export function dataset(
  kind: 'random' | 'clustered',
  count: number,
  dimensions: number,
  seed = 1,
): Float32Array[] {
  const random = createRandom(seed);
  const gaussianVector = () => Float32Array.from({ length: dimensions }, random.gaussian);
  if (kind === 'random') return Array.from({ length: count }, () => normalize(gaussianVector()));
  const centroids = Array.from({ length: 1000 }, () => normalize(gaussianVector()));
  return Array.from({ length: count }, () => {
    const centroid = centroids[Math.floor(random.uniform() * centroids.length)] as Float32Array;
    const noise = normalize(gaussianVector());
    // cosine to the centroid ≈ 0.6: topics overlap, items stay distinct
    return normalize(
      Float32Array.from(centroid, (value, index) => 0.6 * value + 0.8 * (noise[index] as number)),
    );
  });
}

/** A unit vector at cosine `target` to `source`. */
export function nearDuplicate(
  source: Float32Array,
  target: number,
  random: ReturnType<typeof createRandom>,
): Float32Array {
  const noise = Float32Array.from({ length: source.length }, random.gaussian);
  let dot = 0;
  for (let index = 0; index < source.length; index++)
    dot += (noise[index] as number) * (source[index] as number);
  for (let index = 0; index < source.length; index++)
    noise[index] = (noise[index] as number) - dot * (source[index] as number);
  normalize(noise);
  const orthogonal = Math.sqrt(1 - target * target);
  return Float32Array.from(source, (value, index) => target * value + orthogonal * (noise[index] as number));
}

export function bruteForceTop1(vectors: readonly Float32Array[], query: Float32Array): number {
  let best = -1;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < vectors.length; index++) {
    const vector = vectors[index] as Float32Array;
    let dot = 0;
    for (let d = 0; d < vector.length; d++) dot += (vector[d] as number) * (query[d] as number);
    if (dot > bestScore) {
      bestScore = dot;
      best = index;
    }
  }
  return best;
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] as number;
}

export const round = (value: number, digits = 3) => Number(value.toFixed(digits));
