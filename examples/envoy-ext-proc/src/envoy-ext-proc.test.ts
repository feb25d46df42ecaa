import type { ProcessingResponse } from '@semroute/extproc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendChatRequest } from './envoy-side-client.js';
import { type RunningExtProc, startExtProc } from './start-ext-proc.js';

const setHeaders = (reply: ProcessingResponse) =>
  Object.fromEntries(
    (reply.request_body?.response?.header_mutation?.set_headers ?? []).map((option) => [
      option.header.key,
      Buffer.from(option.header.raw_value ?? []).toString() || option.header.value,
    ]),
  );

describe('envoy-ext-proc example', () => {
  let extProc: RunningExtProc;
  beforeAll(async () => {
    extProc = await startExtProc({ port: 0 });
  });
  afterAll(async () => {
    await extProc?.close();
  });

  it('rewrites the body model of a model:auto maths prompt and sets x-selected-model', async () => {
    const { headersReply, bodyReply } = await sendChatRequest(extProc.address, {
      model: 'auto',
      messages: [{ role: 'user', content: 'Compute the derivative of x^3 + 2x' }],
    });
    expect(headersReply.response).toBe('request_headers');
    expect(bodyReply.response).toBe('request_body');
    const common = bodyReply.request_body?.response;
    expect(common?.clear_route_cache).toBe(true);
    const rewritten = JSON.parse(Buffer.from(common?.body_mutation?.body ?? []).toString());
    expect(rewritten.model).toBe('math-expert');
    expect(rewritten.messages).toEqual([{ role: 'user', content: 'Compute the derivative of x^3 + 2x' }]);
    const headers = setHeaders(bodyReply);
    expect(headers['x-selected-model']).toBe('math-expert');
    expect(headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify(rewritten))));
  });

  it('routes other prompts to general-expert', async () => {
    const { bodyReply } = await sendChatRequest(extProc.address, {
      model: 'auto',
      messages: [{ role: 'user', content: 'Suggest a name for my cat' }],
    });
    expect(setHeaders(bodyReply)['x-selected-model']).toBe('general-expert');
  });
});
