/**
 * Pads tokenised rows into the `[batch, sequence]` int64 tensors every backend feeds its model.
 *
 * @module
 */

/** int64 tensors are filled through 32-bit halves (no BigInt per token) on little-endian hosts. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** `[batch, sequence]` int64 ids (padded with `padId`) and attention mask for encoded rows. */
export function padBatch(
  encoded: readonly { readonly ids: readonly number[] }[],
  padId: number,
): { readonly ids: BigInt64Array; readonly mask: BigInt64Array; readonly sequence: number } {
  let sequence = 1;
  for (const item of encoded) sequence = Math.max(sequence, item.ids.length);
  const ids = new BigInt64Array(encoded.length * sequence);
  const mask = new BigInt64Array(encoded.length * sequence);
  if (padId !== 0) ids.fill(BigInt(padId));
  if (LITTLE_ENDIAN) {
    // Token ids are small non-negative integers: low half the id, high half zero.
    const ids32 = new Int32Array(ids.buffer);
    const mask32 = new Int32Array(mask.buffer);
    for (let row = 0; row < encoded.length; row++) {
      const rowIds = encoded[row]!.ids;
      const o = row * sequence * 2;
      for (let t = 0; t < rowIds.length; t++) {
        ids32[o + t * 2] = rowIds[t]!;
        ids32[o + t * 2 + 1] = 0;
        mask32[o + t * 2] = 1;
      }
    }
  } else {
    for (let row = 0; row < encoded.length; row++) {
      const rowIds = encoded[row]!.ids;
      for (let t = 0; t < rowIds.length; t++) {
        ids[row * sequence + t] = BigInt(rowIds[t]!);
        mask[row * sequence + t] = 1n;
      }
    }
  }
  return { ids, mask, sequence };
}
