/** Small numeric helpers shared by the vector stores. */

/** Returns an L2-normalised copy (zero vectors stay zero). */
export function normalized(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let index = 0; index < vector.length; index++)
    sum += (vector[index] as number) * (vector[index] as number);
  const out = new Float32Array(vector.length);
  if (sum === 0) return out;
  const scale = 1 / Math.sqrt(sum);
  for (let index = 0; index < vector.length; index++) out[index] = (vector[index] as number) * scale;
  return out;
}

/** Dot product of `query` with the row of `slab` starting at `offset`. */
export function dotAt(query: Float32Array, slab: Float32Array, offset: number): number {
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  const length = query.length;
  let index = 0;
  for (; index + 3 < length; index += 4) {
    sum0 += (query[index] as number) * (slab[offset + index] as number);
    sum1 += (query[index + 1] as number) * (slab[offset + index + 1] as number);
    sum2 += (query[index + 2] as number) * (slab[offset + index + 2] as number);
    sum3 += (query[index + 3] as number) * (slab[offset + index + 3] as number);
  }
  for (; index < length; index++) sum0 += (query[index] as number) * (slab[offset + index] as number);
  return sum0 + sum1 + sum2 + sum3;
}

export function matchesFilter(
  metadata: Readonly<Record<string, string>> | undefined,
  filter: Readonly<Record<string, string>> | undefined,
): boolean {
  if (!filter) return true;
  for (const key in filter) {
    if (metadata?.[key] !== filter[key]) return false;
  }
  return true;
}

/** Encodes a Float32Array as bytes (little-endian, as stored in Redis). */
export function vectorToBuffer(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

export function bufferToVector(buffer: Uint8Array): Float32Array {
  const copy = new Uint8Array(buffer.byteLength);
  copy.set(buffer);
  return new Float32Array(copy.buffer, 0, Math.floor(copy.byteLength / 4));
}
