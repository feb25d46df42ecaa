/**
 * A direct protobuf encoder for the `ProcessingResponse`s this server sends. protobufjs'
 * generic path (`fromObject` then `encode`) builds a message instance per nested object and was
 * the largest cost of a routed exchange after `route()` itself; this writes the same bytes
 * (field-number order, proto3 presence rules, oneof members always written) in one sized pass.
 * Anything it does not model (dynamic_metadata, streamed_immediate_response, CommonResponse
 * trailers) falls back to the proto-loader serializer. Tests check byte equality with it.
 *
 * @module
 */
import type { ProcessingResponse } from './ext-proc-messages.js';

type Kind = 'message' | 'string' | 'bytes' | 'bool' | 'enum' | 'uint32' | 'int32' | 'int64';

interface Field {
  readonly no: number;
  readonly name: string;
  readonly kind: Kind;
  readonly type?: string;
  readonly repeated?: boolean;
  /** Oneof member (explicit presence: written whenever set, even with a default value). */
  readonly oneof?: boolean;
  readonly values?: Readonly<Record<string, number>>;
}

const HEADER_SEND_MODE = { DEFAULT: 0, SEND: 1, SKIP: 2 };
const BODY_SEND_MODE = {
  NONE: 0,
  STREAMED: 1,
  BUFFERED: 2,
  BUFFERED_PARTIAL: 3,
  FULL_DUPLEX_STREAMED: 4,
  GRPC: 5,
};

const SCHEMA: Readonly<Record<string, readonly Field[]>> = {
  ProcessingResponse: [
    { no: 1, name: 'request_headers', kind: 'message', type: 'CommonHolder', oneof: true },
    { no: 2, name: 'response_headers', kind: 'message', type: 'CommonHolder', oneof: true },
    { no: 3, name: 'request_body', kind: 'message', type: 'CommonHolder', oneof: true },
    { no: 4, name: 'response_body', kind: 'message', type: 'CommonHolder', oneof: true },
    { no: 5, name: 'request_trailers', kind: 'message', type: 'TrailersResponse', oneof: true },
    { no: 6, name: 'response_trailers', kind: 'message', type: 'TrailersResponse', oneof: true },
    { no: 7, name: 'immediate_response', kind: 'message', type: 'ImmediateResponse', oneof: true },
    { no: 9, name: 'mode_override', kind: 'message', type: 'ProcessingMode' },
    { no: 10, name: 'override_message_timeout', kind: 'message', type: 'Duration' },
    { no: 12, name: 'request_drain', kind: 'bool' },
  ],
  CommonHolder: [{ no: 1, name: 'response', kind: 'message', type: 'CommonResponse' }],
  CommonResponse: [
    { no: 1, name: 'status', kind: 'enum', values: { CONTINUE: 0, CONTINUE_AND_REPLACE: 1 } },
    { no: 2, name: 'header_mutation', kind: 'message', type: 'HeaderMutation' },
    { no: 3, name: 'body_mutation', kind: 'message', type: 'BodyMutation' },
    { no: 5, name: 'clear_route_cache', kind: 'bool' },
  ],
  TrailersResponse: [{ no: 1, name: 'header_mutation', kind: 'message', type: 'HeaderMutation' }],
  HeaderMutation: [
    { no: 1, name: 'set_headers', kind: 'message', type: 'HeaderValueOption', repeated: true },
    { no: 2, name: 'remove_headers', kind: 'string', repeated: true },
  ],
  HeaderValueOption: [
    { no: 1, name: 'header', kind: 'message', type: 'HeaderValue' },
    { no: 2, name: 'append', kind: 'message', type: 'BoolValue' },
    {
      no: 3,
      name: 'append_action',
      kind: 'enum',
      values: {
        APPEND_IF_EXISTS_OR_ADD: 0,
        ADD_IF_ABSENT: 1,
        OVERWRITE_IF_EXISTS_OR_ADD: 2,
        OVERWRITE_IF_EXISTS: 3,
      },
    },
    { no: 4, name: 'keep_empty_value', kind: 'bool' },
  ],
  HeaderValue: [
    { no: 1, name: 'key', kind: 'string' },
    { no: 2, name: 'value', kind: 'string' },
    { no: 3, name: 'raw_value', kind: 'bytes' },
  ],
  BoolValue: [{ no: 1, name: 'value', kind: 'bool' }],
  BodyMutation: [
    { no: 1, name: 'body', kind: 'bytes', oneof: true },
    { no: 2, name: 'clear_body', kind: 'bool', oneof: true },
    { no: 3, name: 'streamed_response', kind: 'message', type: 'StreamedBodyResponse', oneof: true },
  ],
  StreamedBodyResponse: [
    { no: 1, name: 'body', kind: 'bytes' },
    { no: 2, name: 'end_of_stream', kind: 'bool' },
    { no: 3, name: 'end_of_stream_without_message', kind: 'bool' },
    { no: 4, name: 'grpc_message_compressed', kind: 'bool' },
  ],
  ImmediateResponse: [
    { no: 1, name: 'status', kind: 'message', type: 'HttpStatus' },
    { no: 2, name: 'headers', kind: 'message', type: 'HeaderMutation' },
    { no: 3, name: 'body', kind: 'bytes' },
    { no: 4, name: 'grpc_status', kind: 'message', type: 'GrpcStatus' },
    { no: 5, name: 'details', kind: 'string' },
  ],
  HttpStatus: [{ no: 1, name: 'code', kind: 'enum' }],
  GrpcStatus: [{ no: 1, name: 'status', kind: 'uint32' }],
  ProcessingMode: [
    { no: 1, name: 'request_header_mode', kind: 'enum', values: HEADER_SEND_MODE },
    { no: 2, name: 'response_header_mode', kind: 'enum', values: HEADER_SEND_MODE },
    { no: 3, name: 'request_body_mode', kind: 'enum', values: BODY_SEND_MODE },
    { no: 4, name: 'response_body_mode', kind: 'enum', values: BODY_SEND_MODE },
    { no: 5, name: 'request_trailer_mode', kind: 'enum', values: HEADER_SEND_MODE },
    { no: 6, name: 'response_trailer_mode', kind: 'enum', values: HEADER_SEND_MODE },
  ],
  Duration: [
    { no: 1, name: 'seconds', kind: 'int64' },
    { no: 2, name: 'nanos', kind: 'int32' },
  ],
};

/** Field names we encode per message; anything else set on an object forces the fallback. */
const KNOWN = new Map(
  Object.entries(SCHEMA).map(([type, fields]) => [type, new Set(fields.map((field) => field.name))]),
);
/** Keys proto-loader adds that carry no data (the oneof virtual fields). */
const VIRTUAL = new Set(['response', 'mutation']);

class Unsupported extends Error {}

function varintSize(value: number): number {
  if (value < 0) return 10;
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return value < 2 ** 35 ? 5 : Math.ceil(Math.log2(value + 1) / 7);
}

function enumValue(field: Field, value: unknown): number {
  if (typeof value === 'number') return value;
  const mapped = field.values?.[value as string];
  if (mapped === undefined) throw new Unsupported(`enum ${field.name}=${String(value)}`);
  return mapped;
}

function isPresent(field: Field, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (field.oneof || field.kind === 'message') return true;
  switch (field.kind) {
    case 'string':
      return (value as string).length > 0;
    case 'bytes':
      return (value as Uint8Array).length > 0;
    case 'bool':
      return value === true;
    case 'int64':
      return Number(value) !== 0;
    default:
      return typeof value === 'number' ? value !== 0 : enumValue(field, value) !== 0;
  }
}

/** Types whose objects may carry fields this encoder does not model (checked, then fallback). */
const CHECKED = new Set(['ProcessingResponse', 'CommonResponse', 'BodyMutation', 'ImmediateResponse']);

/**
 * Sizing pass. Pushes, in pre-order, the byte size of every nested message and the UTF-8
 * length of every string onto `sizes`, so the write pass never measures anything twice.
 */
function scalarSize(field: Field, value: unknown, sizes: number[]): number {
  switch (field.kind) {
    case 'string': {
      const length = Buffer.byteLength(value as string, 'utf8');
      sizes.push(length);
      return varintSize(length) + length;
    }
    case 'bytes': {
      const length = (value as Uint8Array).length;
      return varintSize(length) + length;
    }
    case 'bool':
      return 1;
    case 'int64':
      return varintSize(Number(value));
    case 'int32':
    case 'uint32':
      return varintSize(value as number);
    default:
      return varintSize(enumValue(field, value));
  }
}

function fieldSize(field: Field, value: unknown, sizes: number[]): number {
  if (field.kind !== 'message') return varintSize(field.no << 3) + scalarSize(field, value, sizes);
  const inner = messageSize(value as Record<string, unknown>, field.type!, sizes);
  return varintSize(field.no << 3) + varintSize(inner) + inner;
}

const APPEND_ACTIONS: Readonly<Record<string, number>> = {
  APPEND_IF_EXISTS_OR_ADD: 0,
  ADD_IF_ABSENT: 1,
  OVERWRITE_IF_EXISTS_OR_ADD: 2,
  OVERWRITE_IF_EXISTS: 3,
};

interface HeaderOptionShape {
  header?: { key?: string; value?: string; raw_value?: Uint8Array } | null;
  append?: { value?: boolean } | null;
  append_action?: string | number;
  keep_empty_value?: boolean;
}

function appendActionNumber(action: string | number | undefined): number {
  if (action === undefined) return 0;
  if (typeof action === 'number') return action;
  const mapped = APPEND_ACTIONS[action];
  if (mapped === undefined) throw new Unsupported(`append_action=${action}`);
  return mapped;
}

/** Hand-specialised HeaderValueOption sizing (the hottest message: every header we set). */
function headerOptionSize(option: HeaderOptionShape, sizes: number[]): number {
  const slot = sizes.length;
  sizes.push(0);
  let size = 0;
  const header = option.header;
  if (header) {
    const headerSlot = sizes.length;
    sizes.push(0);
    let inner = 0;
    if (header.key) {
      const length = Buffer.byteLength(header.key, 'utf8');
      sizes.push(length);
      inner += 1 + varintSize(length) + length;
    }
    if (header.value) {
      const length = Buffer.byteLength(header.value, 'utf8');
      sizes.push(length);
      inner += 1 + varintSize(length) + length;
    }
    if (header.raw_value && header.raw_value.length > 0)
      inner += 1 + varintSize(header.raw_value.length) + header.raw_value.length;
    sizes[headerSlot] = inner;
    size += 1 + varintSize(inner) + inner;
  }
  if (option.append) {
    sizes.push(option.append.value ? 2 : 0);
    size += 2 + (option.append.value ? 2 : 0);
  }
  const action = appendActionNumber(option.append_action);
  if (action !== 0) size += 2;
  if (option.keep_empty_value) size += 2;
  sizes[slot] = size;
  return size;
}

function writeHeaderOption(writer: Writer, option: HeaderOptionShape): void {
  const header = option.header;
  if (header) {
    writer.varint(0x0a);
    writer.varint(writer.sizes[writer.cursor++]!);
    if (header.key) {
      writer.varint(0x0a);
      writer.string(header.key);
    }
    if (header.value) {
      writer.varint(0x12);
      writer.string(header.value);
    }
    if (header.raw_value && header.raw_value.length > 0) {
      writer.varint(0x1a);
      writer.bytes(header.raw_value);
    }
  }
  if (option.append) {
    writer.varint(0x12);
    writer.varint(writer.sizes[writer.cursor++]!);
    if (option.append.value) {
      writer.varint(0x08);
      writer.varint(1);
    }
  }
  const action = appendActionNumber(option.append_action);
  if (action !== 0) {
    writer.varint(0x18);
    writer.varint(action);
  }
  if (option.keep_empty_value) {
    writer.varint(0x20);
    writer.varint(1);
  }
}

function messageSize(value: Record<string, unknown>, type: string, sizes: number[]): number {
  if (type === 'HeaderValueOption') return headerOptionSize(value as HeaderOptionShape, sizes);
  if (CHECKED.has(type)) {
    const known = KNOWN.get(type)!;
    for (const key in value) {
      if (!known.has(key) && !VIRTUAL.has(key) && value[key] !== undefined && value[key] !== null)
        throw new Unsupported(`${type}.${key}`);
    }
  }
  const slot = sizes.length;
  sizes.push(0);
  let size = 0;
  for (const field of SCHEMA[type]!) {
    const raw = value[field.name];
    if (field.repeated) {
      if (raw) for (const item of raw as unknown[]) size += fieldSize(field, item, sizes);
    } else if (isPresent(field, raw)) {
      size += fieldSize(field, raw, sizes);
    }
  }
  sizes[slot] = size;
  return size;
}

class Writer {
  readonly buffer: Buffer;
  position = 0;
  /** Next entry of the sizing pass's pre-order list. */
  cursor = 1;
  constructor(
    size: number,
    readonly sizes: readonly number[],
  ) {
    this.buffer = Buffer.allocUnsafe(size);
  }
  varint(value: number): void {
    if (value < 0) {
      // Negative int32/int64 (never produced by this server): ten-byte two's complement.
      let big = BigInt.asUintN(64, BigInt(value));
      for (let index = 0; index < 9; index++) {
        this.buffer[this.position++] = Number(big & 0x7fn) | 0x80;
        big >>= 7n;
      }
      this.buffer[this.position++] = Number(big);
      return;
    }
    while (value >= 0x80) {
      this.buffer[this.position++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.buffer[this.position++] = value;
  }
  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.buffer.set(value, this.position);
    this.position += value.length;
  }
  string(value: string): void {
    const length = this.sizes[this.cursor++]!;
    this.varint(length);
    this.position += this.buffer.write(value, this.position, length, 'utf8');
  }
}

function writeScalar(writer: Writer, field: Field, value: unknown): void {
  switch (field.kind) {
    case 'string':
      writer.varint((field.no << 3) | 2);
      writer.string(value as string);
      return;
    case 'bytes':
      writer.varint((field.no << 3) | 2);
      writer.bytes(value as Uint8Array);
      return;
    case 'bool':
      writer.varint(field.no << 3);
      writer.varint(value ? 1 : 0);
      return;
    case 'int64':
      writer.varint(field.no << 3);
      writer.varint(Number(value));
      return;
    case 'int32':
    case 'uint32':
      writer.varint(field.no << 3);
      writer.varint(value as number);
      return;
    default:
      writer.varint(field.no << 3);
      writer.varint(enumValue(field, value));
  }
}

function writeMessage(writer: Writer, value: Record<string, unknown>, type: string): void {
  if (type === 'HeaderValueOption') {
    writeHeaderOption(writer, value as HeaderOptionShape);
    return;
  }
  for (const field of SCHEMA[type]!) {
    const raw = value[field.name];
    if (field.repeated) {
      if (!raw) continue;
      for (const item of raw as unknown[]) writeField(writer, field, item);
      continue;
    }
    if (isPresent(field, raw)) writeField(writer, field, raw);
  }
}

function writeField(writer: Writer, field: Field, value: unknown): void {
  if (field.kind !== 'message') {
    writeScalar(writer, field, value);
    return;
  }
  writer.varint((field.no << 3) | 2);
  writer.varint(writer.sizes[writer.cursor++]!);
  writeMessage(writer, value as Record<string, unknown>, field.type!);
}

/**
 * Encodes a ProcessingResponse, or returns undefined when it uses something this encoder does
 * not model (the caller then uses the generic serializer).
 */
export function encodeProcessingResponse(response: ProcessingResponse): Buffer | undefined {
  try {
    const value = response as unknown as Record<string, unknown>;
    const sizes: number[] = [];
    const writer = new Writer(messageSize(value, 'ProcessingResponse', sizes), sizes);
    writeMessage(writer, value, 'ProcessingResponse');
    return writer.buffer;
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

const constantEncodings = new WeakMap<object, Buffer>();

/**
 * Marks a reply object as a never-mutated constant: its encoding is computed once and reused
 * (CONTINUE replies, the identity-encoding headers reply). The object is frozen.
 */
export function constantResponse<T extends ProcessingResponse>(response: T): T {
  const encoded = encodeProcessingResponse(response);
  if (encoded) constantEncodings.set(response, encoded);
  return Object.freeze(response);
}

/** Wraps a generic serializer with the direct encoder. */
export function fastResponseSerializer(
  fallback: (value: ProcessingResponse) => Buffer,
): (value: ProcessingResponse) => Buffer {
  return (value) => constantEncodings.get(value) ?? encodeProcessingResponse(value) ?? fallback(value);
}
