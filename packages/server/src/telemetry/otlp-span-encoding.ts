/**
 * OTLP protobuf encoding for the built-in tracer ({@link ./direct-tracer.ts}): a span is written
 * straight from its fields into the bytes of an `opentelemetry.proto.trace.v1.Span` message when
 * it ends, and a batch of such messages is framed into an `ExportTraceServiceRequest` (one
 * resource, one instrumentation scope) at export time. No intermediate OTLP object is built and
 * nothing is encoded twice, which is where the SDK pipeline spends most of its per-span time
 * (BENCHMARKS.md, "Built-in span pipeline").
 *
 * Field numbers follow opentelemetry-proto v1 (trace.proto, common.proto, resource.proto,
 * trace_service.proto); the tests decode this output with an independent reader and compare it
 * with what the SDK's own serialiser produces for the same spans.
 *
 * @module
 */

import type { AttributeValue } from '@opentelemetry/api';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

/** A field key. Written as one byte except in {@link ProtobufBuffer.fixed32Field} (fields ≤ 15 fit one byte). */
const tag = (field: number, wire: number) => (field << 3) | wire;

/**
 * A growable byte buffer with the few protobuf primitives the span messages need. Nested messages
 * are written in place: {@link beginMessage} reserves one length byte, {@link endMessage} writes
 * the real length and, for the rare message of 128 bytes or more, moves the body right by the
 * extra varint bytes (a short copy; spans are a few hundred bytes).
 */
export class ProtobufBuffer {
  bytes: Buffer;
  position = 0;

  constructor(initialCapacity = 64 * 1024) {
    this.bytes = Buffer.allocUnsafe(initialCapacity);
  }

  ensure(extra: number): void {
    const needed = this.position + extra;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.bytes.copy(grown, 0, 0, this.position);
    this.bytes = grown;
  }

  reset(): void {
    this.position = 0;
  }

  varint(value: number): void {
    this.ensure(10);
    const bytes = this.bytes;
    let position = this.position;
    // Values here are small non-negative integers (lengths, counts, enums) or int64 attributes.
    if (value >= 0 && value < 0x80000000) {
      while (value > 0x7f) {
        bytes[position++] = (value & 0x7f) | 0x80;
        value >>>= 7;
      }
      bytes[position++] = value;
    } else {
      // Two's complement 64-bit for negative or large integers, as protobuf's int64 requires.
      let big = BigInt.asUintN(64, BigInt(value));
      while (big > 0x7fn) {
        bytes[position++] = Number(big & 0x7fn) | 0x80;
        big >>= 7n;
      }
      bytes[position++] = Number(big);
    }
    this.position = position;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.bytes.writeUInt32LE(value >>> 0, this.position);
    this.position += 4;
  }

  double(value: number): void {
    this.ensure(8);
    // Through a float64 scratch: Buffer#writeDoubleLE measured several times slower here.
    DOUBLE_SCRATCH[0] = value;
    this.bytes.set(DOUBLE_BYTES, this.position);
    this.position += 8;
  }

  /**
   * A Unix time in nanoseconds as `fixed64`, from epoch milliseconds with a sub-millisecond
   * fraction. The 64-bit value is exact in its low word (Math.imul keeps the low 32 bits of the
   * product) and its high word is recovered by rounding, since the double's error (< 2^9) is far
   * below 2^32.
   */
  unixNanos(epochMs: number): void {
    this.ensure(8);
    const seconds = Math.floor(epochMs / 1000);
    const nanos = Math.round((epochMs - seconds * 1000) * 1e6);
    const low = (Math.imul(seconds, 1e9) + nanos) >>> 0;
    const high = Math.round((seconds * 1e9 + nanos - low) / 4294967296);
    this.bytes.writeUInt32LE(low, this.position);
    this.bytes.writeUInt32LE(high >>> 0, this.position + 4);
    this.position += 8;
  }

  /** A string field's bytes (no tag, with length). ASCII is copied in JavaScript; the rest via `Buffer.write`. */
  string(value: string): void {
    const length = value.length;
    this.ensure(length * 3 + 5);
    if (length < 64) {
      const start = this.position + 1;
      const bytes = this.bytes;
      let ascii = true;
      for (let index = 0; index < length; index++) {
        const code = value.charCodeAt(index);
        if (code >= 0x80) {
          ascii = false;
          break;
        }
        bytes[start + index] = code;
      }
      if (ascii) {
        bytes[this.position] = length;
        this.position = start + length;
        return;
      }
    }
    const byteLength = Buffer.byteLength(value, 'utf8');
    this.varint(byteLength);
    this.ensure(byteLength);
    this.position += this.bytes.write(value, this.position, byteLength, 'utf8');
  }

  /**
   * A 16- or 32-hex-digit id as its 8 or 16 bytes (no tag, with length). The last trace id is
   * remembered: every span of a request carries the same one, so its bytes are copied, not parsed.
   */
  hexId(hex: string): void {
    const size = hex.length >>> 1;
    this.ensure(size + 1);
    const bytes = this.bytes;
    let position = this.position;
    bytes[position++] = size;
    if (size === 16 && hex === this.#lastTraceId) {
      bytes.set(this.#lastTraceIdBytes, position);
      this.position = position + 16;
      return;
    }
    const start = position;
    for (let index = 0; index < hex.length; index += 2)
      bytes[position++] = (HEX_VALUE[hex.charCodeAt(index)]! << 4) | HEX_VALUE[hex.charCodeAt(index + 1)]!;
    this.position = position;
    if (size === 16) {
      this.#lastTraceId = hex;
      this.#lastTraceIdBytes.set(bytes.subarray(start, position));
    }
  }

  #lastTraceId = '';
  readonly #lastTraceIdBytes = new Uint8Array(16);

  /** Starts a nested message; returns the offset to pass to {@link endMessage}. */
  beginMessage(field: number): number {
    this.ensure(6);
    this.bytes[this.position++] = tag(field, WIRE_LENGTH);
    const lengthAt = this.position;
    this.position++;
    return lengthAt;
  }

  endMessage(lengthAt: number): void {
    const length = this.position - lengthAt - 1;
    if (length < 0x80) {
      this.bytes[lengthAt] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.ensure(extra);
    this.bytes.copyWithin(lengthAt + 1 + extra, lengthAt + 1, this.position);
    let value = length;
    let position = lengthAt;
    while (value > 0x7f) {
      this.bytes[position++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.bytes[position] = value;
    this.position += extra;
  }

  stringField(field: number, value: string): void {
    this.ensure(1);
    this.bytes[this.position++] = tag(field, WIRE_LENGTH);
    this.string(value);
  }

  varintField(field: number, value: number): void {
    this.ensure(1);
    this.bytes[this.position++] = tag(field, WIRE_VARINT);
    this.varint(value);
  }

  fixed64TimeField(field: number, epochMs: number): void {
    this.ensure(1);
    this.bytes[this.position++] = tag(field, WIRE_FIXED64);
    this.unixNanos(epochMs);
  }

  fixed32Field(field: number, value: number): void {
    // Span.flags is field 16: its tag is the one here past 15, so it takes two bytes.
    this.varint(tag(field, WIRE_FIXED32));
    this.fixed32(value);
  }

  /**
   * A span id field whose 8 bytes are remembered on `holder` (the span's context): a span's id is
   * written for the span itself and again as the parent of each child, so it is parsed once.
   */
  spanIdField(field: number, hex: string, holder: SpanIdWords): void {
    if (holder.idHigh < 0) {
      this.idField(field, hex);
      holder.idHigh = this.bytes.readUInt32BE(this.position - 8);
      holder.idLow = this.bytes.readUInt32BE(this.position - 4);
      return;
    }
    this.ensure(10);
    const bytes = this.bytes;
    bytes[this.position++] = tag(field, WIRE_LENGTH);
    bytes[this.position++] = 8;
    bytes.writeUInt32BE(holder.idHigh, this.position);
    bytes.writeUInt32BE(holder.idLow, this.position + 4);
    this.position += 8;
  }

  idField(field: number, hex: string): void {
    this.ensure(1);
    this.bytes[this.position++] = tag(field, WIRE_LENGTH);
    this.hexId(hex);
  }

  /** An `AnyValue` message's fields for a span attribute value. */
  anyValue(value: AttributeValue): void {
    switch (typeof value) {
      case 'string':
        this.stringField(1, value);
        return;
      case 'boolean':
        this.varintField(2, value ? 1 : 0);
        return;
      case 'number':
        if (Number.isSafeInteger(value)) this.varintField(3, value);
        else {
          this.ensure(1);
          this.bytes[this.position++] = tag(4, WIRE_FIXED64);
          this.double(value);
        }
        return;
      default: {
        // ArrayValue { repeated AnyValue values = 1 }; null/undefined elements become empty AnyValues.
        const array = this.beginMessage(5);
        for (const element of value as readonly unknown[]) {
          if (typeof element === 'string' && element.length < 120) {
            // ArrayValue.values entry = AnyValue { string_value }: lengths known for short ASCII.
            this.ensure(element.length + 4);
            const start = this.position;
            this.bytes[start] = tag(1, WIRE_LENGTH);
            this.position = start + 2;
            if (this.shortAscii(tag(1, WIRE_LENGTH), element)) {
              this.bytes[start + 1] = this.position - start - 2;
              continue;
            }
            this.position = start;
          }
          const item = this.beginMessage(1);
          if (element !== null && element !== undefined) this.anyValue(element as AttributeValue);
          this.endMessage(item);
        }
        this.endMessage(array);
      }
    }
  }

  /**
   * Writes `[tag, length, bytes]` for a short ASCII string (< 128 bytes) and returns true, or
   * writes nothing and returns false (non-ASCII or long: the caller takes the general path).
   */
  shortAscii(fieldTag: number, value: string): boolean {
    const length = value.length;
    if (length >= 0x80) return false;
    const bytes = this.bytes;
    const position = this.position;
    const start = position + 2;
    for (let index = 0; index < length; index++) {
      const code = value.charCodeAt(index);
      if (code >= 0x80) return false;
      bytes[start + index] = code;
    }
    bytes[position] = fieldTag;
    bytes[position + 1] = length;
    this.position = start + length;
    return true;
  }

  /**
   * A repeated `KeyValue` entry under `field`. Short ASCII keys with string values (most span
   * attributes) have every length known up front, so they are written in one pass with no
   * nested-message bookkeeping; anything else takes the general path.
   */
  keyValue(field: number, key: string, value: AttributeValue): void {
    if (typeof value === 'string' && key.length + value.length < 120) {
      const start = this.position;
      this.ensure(key.length + value.length + 8);
      // KeyValue { key = 1; value = 2 (AnyValue { string_value = 1 }) }: every length < 128.
      this.bytes[start] = tag(field, WIRE_LENGTH);
      this.position = start + 2;
      if (this.shortAscii(tag(1, WIRE_LENGTH), key)) {
        this.bytes[this.position] = tag(2, WIRE_LENGTH);
        const anyAt = this.position + 1;
        this.position += 2;
        if (this.shortAscii(tag(1, WIRE_LENGTH), value)) {
          this.bytes[anyAt] = this.position - anyAt - 1;
          this.bytes[start + 1] = this.position - start - 2;
          return;
        }
      }
      this.position = start;
    }
    if ((typeof value === 'number' || typeof value === 'boolean') && key.length < 100) {
      // AnyValue { bool 2 | int 3 | double 4 }: its length is known before writing it.
      const start = this.position;
      this.ensure(key.length + 16);
      this.bytes[start] = tag(field, WIRE_LENGTH);
      this.position = start + 2;
      if (this.shortAscii(tag(1, WIRE_LENGTH), key)) {
        const bytes = this.bytes;
        bytes[this.position++] = tag(2, WIRE_LENGTH);
        if (typeof value === 'boolean') {
          bytes[this.position++] = 2;
          bytes[this.position++] = tag(2, WIRE_VARINT);
          bytes[this.position++] = value ? 1 : 0;
        } else if (Number.isSafeInteger(value) && value >= 0 && value < 0x80000000) {
          const lengthAt = this.position++;
          bytes[this.position++] = tag(3, WIRE_VARINT);
          this.varint(value);
          bytes[lengthAt] = this.position - lengthAt - 1;
        } else if (!Number.isSafeInteger(value)) {
          bytes[this.position++] = 9;
          bytes[this.position++] = tag(4, WIRE_FIXED64);
          this.double(value);
        } else {
          this.position = start;
          this.#generalKeyValue(field, key, value);
          return;
        }
        this.bytes[start + 1] = this.position - start - 2;
        return;
      }
      this.position = start;
    }
    this.#generalKeyValue(field, key, value);
  }

  #generalKeyValue(field: number, key: string, value: AttributeValue): void {
    const entry = this.beginMessage(field);
    this.stringField(1, key);
    const any = this.beginMessage(2);
    this.anyValue(value);
    this.endMessage(any);
    this.endMessage(entry);
  }

  /** The written bytes (a view; copy before the buffer is reused). */
  view(): Buffer {
    return this.bytes.subarray(0, this.position);
  }
}

const DOUBLE_SCRATCH = new Float64Array(1);
/** Little-endian hosts only (x64, arm64), as protobuf's double is little-endian. */
const DOUBLE_BYTES = new Uint8Array(DOUBLE_SCRATCH.buffer);
if (new Uint8Array(Float64Array.of(1).buffer)[7] !== 0x3f)
  throw new Error('the OTLP span encoder assumes a little-endian host');

/** Hex digit values by character code (a table: random digits defeat a branchy conversion). */
const HEX_VALUE = new Uint8Array(128);
for (let digit = 0; digit < 16; digit++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(digit)] = digit;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(digit)] = digit;
}

/** A span id's bytes as two big-endian words, cached on its context; `idHigh` −1 until parsed. */
export interface SpanIdWords {
  idHigh: number;
  idLow: number;
}

export function varintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Attributes of a resource or instrumentation scope, as `[key, value]` pairs. */
export type AttributeEntries = readonly (readonly [string, AttributeValue])[];

/**
 * The fixed part of every export request: the `Resource` and `InstrumentationScope` messages,
 * encoded once. {@link frame} wraps a run of encoded spans (the `spans` field entries of a
 * `ScopeSpans`) into a complete `ExportTraceServiceRequest`.
 */
export class ExportRequestFrame {
  readonly #resource: Buffer;
  readonly #scope: Buffer;

  constructor(resource: AttributeEntries, scope: { readonly name: string; readonly version?: string }) {
    const resourceWriter = new ProtobufBuffer(1024);
    const resourceAt = resourceWriter.beginMessage(1); // ResourceSpans.resource
    for (const [key, value] of resource) resourceWriter.keyValue(1, key, value);
    resourceWriter.endMessage(resourceAt);
    this.#resource = Buffer.from(resourceWriter.view());
    const scopeWriter = new ProtobufBuffer(256);
    const scopeAt = scopeWriter.beginMessage(1); // ScopeSpans.scope
    scopeWriter.stringField(1, scope.name);
    if (scope.version) scopeWriter.stringField(2, scope.version);
    scopeWriter.endMessage(scopeAt);
    this.#scope = Buffer.from(scopeWriter.view());
  }

  /**
   * The request's leading bytes for `spansLength` bytes of encoded `ScopeSpans.spans` entries:
   * send these, then the span bytes, as one body.
   */
  prefix(spansLength: number): Buffer {
    const scopeSpansLength = this.#scope.length + spansLength;
    const resourceSpansLength = this.#resource.length + 1 + varintSize(scopeSpansLength) + scopeSpansLength;
    const head = new ProtobufBuffer(32 + this.#resource.length + this.#scope.length);
    head.ensure(1);
    head.bytes[head.position++] = tag(1, WIRE_LENGTH); // ExportTraceServiceRequest.resource_spans
    head.varint(resourceSpansLength);
    head.ensure(this.#resource.length + 1);
    this.#resource.copy(head.bytes, head.position);
    head.position += this.#resource.length;
    head.bytes[head.position++] = tag(2, WIRE_LENGTH); // ResourceSpans.scope_spans
    head.varint(scopeSpansLength);
    head.ensure(this.#scope.length);
    this.#scope.copy(head.bytes, head.position);
    head.position += this.#scope.length;
    return Buffer.from(head.view());
  }
}
