/**
 * Replays recorded ProcessingRequest streams (`__fixtures__/*.json`, bytes as base64) against
 * the server and checks the reply sequence and the routing mutation: a regression net for the
 * exact wire shapes Envoy (BUFFERED + mode_override) and agentgateway (FULL_DUPLEX_STREAMED) send.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessingRequest, ProcessingResponse } from '../src/ext-proc-messages.js';
import { type ExtProcServerHandle, serveExtProc } from '../src/node/serve.js';
import { createFakeEnvoy, type FakeEnvoy } from './fake-envoy/fake-envoy.js';
import { createFakeRouter } from './fake-envoy/fake-router.js';

const directory = new URL('./__fixtures__/', import.meta.url);
const fromJson = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(fromJson);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.base64 === 'string' && Object.keys(record).length === 1)
      return Buffer.from(record.base64, 'base64');
    return Object.fromEntries(Object.entries(record).map(([key, entry]) => [key, fromJson(entry)]));
  }
  return value;
};

let server: ExtProcServerHandle;
let envoy: FakeEnvoy;
beforeAll(async () => {
  server = await serveExtProc({ router: createFakeRouter(), port: 0, host: '127.0.0.1' });
  envoy = createFakeEnvoy({ address: `127.0.0.1:${server.port}` });
});
afterAll(async () => {
  envoy.close();
  await server.close({ graceMs: 100 });
});

describe('recorded ProcessingRequest fixtures', () => {
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.json'))) {
    it(`replays ${file}`, async () => {
      const fixture = JSON.parse(readFileSync(new URL(file, directory), 'utf8')) as {
        replies: string[];
        requests: unknown[];
      };
      const requests = fromJson(fixture.requests) as ProcessingRequest[];
      const duplex = requests[0]?.protocol_config?.request_body_mode === 'FULL_DUPLEX_STREAMED';
      const stream = envoy.openStream();
      const replies: ProcessingResponse[] = [];
      for (const request of requests) {
        stream.write(request);
        if (!duplex) {
          const event = await stream.next(2000);
          if (event.type === 'message') replies.push(event.message);
        }
      }
      while (replies.length < fixture.replies.length) {
        const event = await stream.next(2000);
        if (event.type !== 'message') break;
        replies.push(event.message);
      }
      expect(replies.map((reply) => reply.response)).toEqual(fixture.replies);
      const routing = replies.find(
        (reply) =>
          reply.request_headers?.response?.clear_route_cache ||
          reply.request_body?.response?.clear_route_cache,
      );
      const mutation =
        routing?.request_headers?.response?.header_mutation ??
        routing?.request_body?.response?.header_mutation;
      const selected = mutation?.set_headers?.find((option) => option.header.key === 'x-selected-model');
      expect(Buffer.from(selected?.header.raw_value ?? []).toString()).toBe('math-model');
      const end = await stream.next(2000);
      expect(end.type).toBe('closed');
    });
  }
});
