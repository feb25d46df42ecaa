import { describe, expect, it } from 'vitest';
import { encodeProcessingResponse } from './encode-processing-response.js';
import type { ProcessingResponse } from './ext-proc-messages.js';
import { buildHeaderMutation, utf8 } from './header-utils.js';
import { loadExtProcServiceDefinition } from './proto-definitions.js';

const process = loadExtProcServiceDefinition().Process!;
const generic = process.responseSerialize as unknown as (value: ProcessingResponse) => Buffer;
const decode = (bytes: Buffer) => process.responseDeserialize(bytes);

const samples: Record<string, ProcessingResponse> = {
  'empty headers reply (presence of an empty sub-message)': { request_headers: {} },
  'empty body reply': { response_body: {} },
  'routing body reply': {
    request_body: {
      response: {
        header_mutation: buildHeaderMutation(
          { 'x-selected-model': 'math-expert', 'content-length': '77', 'x-ünïcode': 'ok' },
          ['content-length', 'x-a'],
        ),
        body_mutation: {
          body: utf8('{"model":"math-expert","messages":[{"role":"user","content":"héllo"}]}'),
        },
        clear_route_cache: true,
      },
    },
  },
  'empty replacement body (oneof member with a default value)': {
    request_body: { response: { body_mutation: { body: new Uint8Array(0) } } },
  },
  'clear_body and CONTINUE_AND_REPLACE': {
    request_headers: { response: { status: 'CONTINUE_AND_REPLACE', body_mutation: { clear_body: true } } },
  },
  streamed_response: {
    response_body: {
      response: { body_mutation: { streamed_response: { body: utf8('data: x\n\n'), end_of_stream: true } } },
    },
  },
  mode_override: {
    response_headers: { response: { header_mutation: buildHeaderMutation({ 'x-vsr-selected-model': 'm' }) } },
    mode_override: { response_header_mode: 'SEND', response_body_mode: 'STREAMED' },
  },
  'immediate response': {
    immediate_response: {
      status: { code: 413 },
      headers: buildHeaderMutation({ 'content-type': 'application/json' }),
      body: utf8('{"error":{}}'),
      details: 'semroute_payload_too_large',
      grpc_status: { status: 8 },
    },
  },
  override_message_timeout: { override_message_timeout: { seconds: 5, nanos: 500_000_000 } },
  'trailers reply with append BoolValue': {
    request_trailers: {
      header_mutation: {
        set_headers: [
          { header: { key: 'x', raw_value: utf8('1') }, append: { value: true }, keep_empty_value: true },
        ],
      },
    },
  },
  'large body': { request_body: { response: { body_mutation: { body: new Uint8Array(300_000).fill(97) } } } },
};

describe('encodeProcessingResponse', () => {
  for (const [name, sample] of Object.entries(samples)) {
    it(`decodes to the same message as protobufjs: ${name}`, () => {
      const fast = encodeProcessingResponse(sample);
      expect(fast).toBeDefined();
      expect(decode(fast!)).toEqual(decode(generic(sample)));
    });
  }

  it('falls back (undefined) for fields it does not model', () => {
    expect(
      encodeProcessingResponse({ request_headers: {}, dynamic_metadata: { fields: {} } }),
    ).toBeUndefined();
    expect(encodeProcessingResponse({ immediate_response: { status: { code: 'OK' } } })).toBeUndefined();
  });
});
