/**
 * Test-side reader of OTLP trace export requests in protobuf. It is written against the protobuf
 * wire format alone (tags, varints, fixed64, length-delimited), independently of the encoder
 * under test, and the tests run the OpenTelemetry SDK's own serialiser's bytes through it too, so
 * a wrong field number or wire type on either side shows up as a difference.
 */

type WireValue = number | bigint | Buffer;

/** Fields of one message: field number → values in order (varint → number, fixed64 → bigint). */
export type WireMessage = Map<number, WireValue[]>;

export function readWireMessage(bytes: Buffer): WireMessage {
  const fields: WireMessage = new Map();
  let position = 0;
  /** A varint as a number, or as a bigint past 2^53 (negative int64 values take 10 bytes). */
  const varintValue = (): number | bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (position >= bytes.length) throw new Error('truncated varint');
      const byte = bytes[position++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(result) : result;
      shift += 7n;
    }
  };
  const varint = (): number => Number(varintValue());
  while (position < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    let value: WireValue;
    if (wire === 0) value = varintValue();
    else if (wire === 1) {
      value = bytes.readBigUInt64LE(position);
      position += 8;
    } else if (wire === 2) {
      const length = varint();
      if (position + length > bytes.length) throw new Error('truncated length-delimited field');
      value = bytes.subarray(position, position + length);
      position += length;
    } else if (wire === 5) {
      value = bytes.readUInt32LE(position);
      position += 4;
    } else throw new Error(`unexpected wire type ${wire} for field ${field}`);
    const list = fields.get(field);
    if (list) list.push(value);
    else fields.set(field, [value]);
  }
  return fields;
}

const messages = (message: WireMessage, field: number): WireMessage[] =>
  ((message.get(field) ?? []) as Buffer[]).map(readWireMessage);
const one = (message: WireMessage, field: number): WireValue | undefined => message.get(field)?.at(-1);
const text = (message: WireMessage, field: number): string | undefined =>
  (one(message, field) as Buffer | undefined)?.toString('utf8');
const hex = (message: WireMessage, field: number): string | undefined => {
  const value = (one(message, field) as Buffer | undefined)?.toString('hex');
  return value ? value : undefined;
};
/** proto3: a zero or absent scalar reads as 0. */
const number = (message: WireMessage, field: number): number => Number(one(message, field) ?? 0);

export type DecodedValue = string | number | boolean | DecodedValue[] | null;

function anyValue(message: WireMessage): DecodedValue {
  if (message.has(1)) return text(message, 1)!;
  if (message.has(2)) return number(message, 2) !== 0;
  if (message.has(3)) return Number(BigInt.asIntN(64, BigInt(one(message, 3) as number | bigint)));
  if (message.has(4)) {
    const bits = one(message, 4) as bigint;
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(bits);
    return buffer.readDoubleLE(0);
  }
  if (message.has(5)) return messages(messages(message, 5)[0]!, 1).map(anyValue);
  return null;
}

export function attributes(message: WireMessage, field: number): Record<string, DecodedValue> {
  const result: Record<string, DecodedValue> = {};
  for (const entry of messages(message, field))
    result[text(entry, 1)!] = anyValue(messages(entry, 2)[0] ?? new Map());
  return result;
}

/** Nanoseconds since the epoch as a decimal string (exact). */
const nanos = (message: WireMessage, field: number): string => String(one(message, field) ?? 0n);

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  traceState: string | undefined;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, DecodedValue>;
  droppedAttributesCount: number;
  events: { timeUnixNano: string; name: string; attributes: Record<string, DecodedValue> }[];
  links: { traceId: string; spanId: string; attributes: Record<string, DecodedValue>; flags: number }[];
  status: { code: number; message: string | undefined };
  flags: number;
}

export interface DecodedTraceRequest {
  resourceSpans: {
    resource: Record<string, DecodedValue>;
    scopeSpans: { scope: { name: string | undefined; version: string | undefined }; spans: DecodedSpan[] }[];
  }[];
}

function span(message: WireMessage): DecodedSpan {
  const status = messages(message, 15)[0] ?? new Map();
  return {
    traceId: hex(message, 1)!,
    spanId: hex(message, 2)!,
    traceState: text(message, 3) || undefined,
    parentSpanId: hex(message, 4),
    name: text(message, 5)!,
    kind: number(message, 6),
    startTimeUnixNano: nanos(message, 7),
    endTimeUnixNano: nanos(message, 8),
    attributes: attributes(message, 9),
    droppedAttributesCount: number(message, 10),
    events: messages(message, 11).map((event) => ({
      timeUnixNano: nanos(event, 1),
      name: text(event, 2)!,
      attributes: attributes(event, 3),
    })),
    links: messages(message, 13).map((link) => ({
      traceId: hex(link, 1)!,
      spanId: hex(link, 2)!,
      attributes: attributes(link, 4),
      flags: number(link, 6),
    })),
    status: { code: number(status, 3), message: text(status, 2) || undefined },
    flags: number(message, 16),
  };
}

/** Decodes an `ExportTraceServiceRequest`. */
export function decodeTraceRequest(bytes: Buffer): DecodedTraceRequest {
  return {
    resourceSpans: messages(readWireMessage(bytes), 1).map((resourceSpans) => ({
      resource: attributes(messages(resourceSpans, 1)[0] ?? new Map(), 1),
      scopeSpans: messages(resourceSpans, 2).map((scopeSpans) => {
        const scope = messages(scopeSpans, 1)[0] ?? new Map();
        return {
          scope: { name: text(scope, 1), version: text(scope, 2) },
          spans: messages(scopeSpans, 2).map(span),
        };
      }),
    })),
  };
}

/** Every span of a request, in order. */
export function decodedSpans(request: DecodedTraceRequest): DecodedSpan[] {
  return request.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));
}
