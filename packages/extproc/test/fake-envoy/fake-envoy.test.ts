/**
 * The harness's own conformance: scripted servers misbehave (or behave) the way the named Envoy
 * integration tests do, and the fake Envoy must reach Envoy's verdict. If these pass, a green
 * run of our server through the harness means a real Envoy would not 500 on it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ProcessingRequest, ProcessingResponse } from '../../src/ext-proc-messages.js';
import { rawHeader } from '../../src/header-utils.js';
import { createFakeEnvoy, type ExchangeSpec, type FilterConfig } from './fake-envoy.js';
import { createManualClock, type ManualClock } from './manual-clock.js';
import { continueReply, type Script, startScriptedServer } from './scripted-server.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function envoyFor(script: Script, config: FilterConfig = {}, clock?: ManualClock) {
  const server = await startScriptedServer(script);
  const envoy = createFakeEnvoy({ address: server.address, config, ...(clock ? { clock } : {}) });
  closers.push(
    () => envoy.close(),
    () => server.close(),
  );
  return envoy;
}

const POST: ExchangeSpec = {
  request: {
    headers: {
      ':method': 'POST',
      ':path': '/echo',
      ':authority': 'host',
      ':scheme': 'http',
      'content-length': '5',
    },
    body: 'hello',
  },
};
const GET: ExchangeSpec = {
  request: { headers: { ':method': 'GET', ':path': '/', ':authority': 'host', ':scheme': 'http' } },
};
const buffered: FilterConfig = {
  processingMode: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' },
};
const passThrough: Script = (request, controls) => controls.write(continueReply(request));

describe('lifecycle', () => {
  it('GetAndCloseStream: an OK close continues the request unprocessed', async () => {
    const envoy = await envoyFor((_request, controls) => controls.end());
    const result = await envoy.exchange(GET);
    expect(result.status).toBe(200);
    expect(result.counters.streams_closed).toBe(1);
    expect(result.upstreamRequest).toBeDefined();
  });

  it('GetAndFailStream: an error close is a 500, or continues with failure_mode_allow', async () => {
    const envoy = await envoyFor((_request, controls) => controls.fail());
    expect((await envoy.exchange(GET)).status).toBe(500);
    const allowed = await envoy.exchange(GET, { failureModeAllow: true });
    expect(allowed.status).toBe(200);
    expect(allowed.counters.failure_mode_allowed).toBe(1);
  });

  it('GetAndFailStreamOnResponse: an error on response headers is a 500', async () => {
    const envoy = await envoyFor((request, controls) =>
      request.request === 'response_headers' ? controls.fail() : controls.write(continueReply(request)),
    );
    const result = await envoy.exchange(GET);
    expect(result.status).toBe(500);
    expect(result.upstreamRequest).toBeDefined();
  });
});

describe('wrong or extra replies', () => {
  it('TotallyInvalidResponse: an empty ProcessingResponse is spurious ⇒ 500', async () => {
    const envoy = await envoyFor((_request, controls) => controls.write({}));
    const result = await envoy.exchange(GET);
    expect(result.status).toBe(500);
    expect(result.counters.spurious_msgs_received).toBe(1);
  });

  it('IncorrectRequestHeadersReply / IncorrectRequestBodyReply / IncorrectResponseHeadersReply ⇒ 500', async () => {
    const wrong: Record<string, ProcessingResponse> = {
      request_headers: { request_body: {} },
      request_body: { response_body: {} },
      response_headers: { request_headers: {} },
    };
    for (const phase of Object.keys(wrong)) {
      const envoy = await envoyFor(
        (request, controls) =>
          controls.write(request.request === phase ? wrong[phase]! : continueReply(request)),
        buffered,
      );
      const result = await envoy.exchange(POST);
      expect(result.status, phase).toBe(500);
      expect(result.counters.spurious_msgs_received, phase).toBe(1);
    }
  });

  it('ExtraReply: a second reply to one message is spurious', async () => {
    const envoy = await envoyFor((request, controls) => {
      controls.write(continueReply(request));
      if (request.request === 'request_headers') controls.write(continueReply(request));
    }, buffered);
    const result = await envoy.exchange(POST);
    expect(result.status).toBe(500);
    expect(result.counters.spurious_msgs_received).toBe(1);
  });

  it('ExtraAfterImmediateResponse: messages after an immediate response are ignored', async () => {
    const envoy = await envoyFor((_request, controls) => {
      controls.write({ immediate_response: { status: { code: 401 }, body: new TextEncoder().encode('no') } });
      controls.write({ request_headers: {} });
    });
    const result = await envoy.exchange(GET);
    expect(result.status).toBe(401);
    expect(result.body).toBe('no');
    expect(result.counters.spurious_msgs_received).toBe(0);
  });
});

describe('header mutation rules', () => {
  const mutate =
    (set: NonNullable<ProcessingResponse['request_headers']>): Script =>
    (request, controls) =>
      controls.write(
        request.request === 'request_headers' ? { request_headers: set } : continueReply(request),
      );

  it('GetAndSetHeaders: remove then set, raw_value, overwrite', async () => {
    const envoy = await envoyFor(
      mutate({
        response: {
          header_mutation: {
            set_headers: [rawHeader('x-new', 'v'), rawHeader('x-remove-me', 'again')],
            remove_headers: ['x-remove-me', 'x-old'],
          },
        },
      }),
    );
    const result = await envoy.exchange({
      request: { headers: { ...GET.request.headers, 'x-old': '1', 'x-remove-me': '1' } },
    });
    expect(result.upstreamRequest?.headers).toMatchObject({ 'x-new': 'v', 'x-remove-me': 'again' });
    expect(result.upstreamRequest?.headers['x-old']).toBeUndefined();
  });

  it('GetAndSetPathHeader: :path is mutable, :scheme/:authority/:method/x-envoy-* are ignored and counted', async () => {
    const envoy = await envoyFor(
      mutate({
        response: {
          header_mutation: {
            set_headers: [
              rawHeader(':path', '/new'),
              rawHeader(':scheme', 'https'),
              rawHeader(':authority', 'evil'),
              rawHeader(':method', 'PUT'),
              rawHeader('x-envoy-foo', '1'),
            ],
          },
        },
      }),
    );
    const result = await envoy.exchange(GET);
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers).toMatchObject({
      ':path': '/new',
      ':scheme': 'http',
      ':authority': 'host',
      ':method': 'GET',
    });
    expect(result.counters.rejected_header_mutations).toBe(4);
  });

  it('GetAndIncorrectlyModifyHeader with disallow_is_error ⇒ 500', async () => {
    const envoy = await envoyFor(
      mutate({ response: { header_mutation: { set_headers: [rawHeader(':scheme', 'https')] } } }),
      {
        mutationRules: { disallowIsError: true },
      },
    );
    expect((await envoy.exchange(GET)).status).toBe(500);
  });

  it('value and raw_value together ⇒ 500 (semantic-router#253); value only ⇒ empty header (envoy#31555)', async () => {
    const both = await envoyFor(
      mutate({
        response: {
          header_mutation: {
            set_headers: [{ header: { key: 'x-a', value: 'v', raw_value: new TextEncoder().encode('v') } }],
          },
        },
      }),
    );
    expect((await both.exchange(GET)).status).toBe(500);
    const valueOnly = await envoyFor(
      mutate({ response: { header_mutation: { set_headers: [{ header: { key: 'x-a', value: 'v' } }] } } }),
    );
    const result = await valueOnly.exchange(GET);
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers['x-a']).toBe('');
  });

  it('invalid characters ⇒ 500 in a mutation, dropped in an immediate response', async () => {
    const bad = await envoyFor(
      mutate({ response: { header_mutation: { set_headers: [rawHeader('x-a', 'line\nbreak')] } } }),
    );
    expect((await bad.exchange(GET)).status).toBe(500);
    const immediate = await envoyFor((_request, controls) =>
      controls.write({
        immediate_response: {
          status: { code: 403 },
          headers: { set_headers: [rawHeader('x-a', 'bad\r\nvalue'), rawHeader('x-b', 'ok')] },
        },
      }),
    );
    const result = await immediate.exchange(GET);
    expect(result.status).toBe(403);
    expect(result.headers['x-a']).toBeUndefined();
    expect(result.headers['x-b']).toBe('ok');
  });

  it('SetHostHeaderRoutingSucceeded/Failed: clear_route_cache re-matches on the mutated headers', async () => {
    const routes = (headers: Record<string, string>) =>
      headers['x-selected-model'] === 'a'
        ? 'cluster-a'
        : headers['x-selected-model'] === 'gone'
          ? null
          : 'default';
    const selecting =
      (value: string, clear: boolean): Script =>
      (request, controls) =>
        controls.write(
          request.request === 'request_headers'
            ? {
                request_headers: {
                  response: {
                    header_mutation: { set_headers: [rawHeader('x-selected-model', value)] },
                    clear_route_cache: clear,
                  },
                },
              }
            : continueReply(request),
        );
    expect(
      (await (await envoyFor(selecting('a', true), { routes })).exchange(GET)).upstreamRequest?.cluster,
    ).toBe('cluster-a');
    expect(
      (await (await envoyFor(selecting('a', false), { routes })).exchange(GET)).upstreamRequest?.cluster,
    ).toBe('default');
    expect((await (await envoyFor(selecting('gone', true), { routes })).exchange(GET)).status).toBe(404);
    expect(
      (await (await envoyFor(selecting('a', true), { routes, routeCacheAction: 'RETAIN' })).exchange(GET))
        .upstreamRequest?.cluster,
    ).toBe('default');
  });
});

describe('bodies', () => {
  it('MismatchedContentLengthAndBodyLength: a BUFFERED body mutation without a matching content-length ⇒ 500', async () => {
    const envoy = await envoyFor(
      (request, controls) =>
        controls.write(
          request.request === 'request_body'
            ? {
                request_body: {
                  response: { body_mutation: { body: new TextEncoder().encode('longer body') } },
                },
              }
            : continueReply(request),
        ),
      buffered,
    );
    const result = await envoy.exchange(POST);
    expect(result.status).toBe(500);
    expect(result.failure).toMatch(/content-length/);
  });

  it('the content-length recipe (remove + set byte length) is accepted', async () => {
    const body = 'héllo wörld';
    const envoy = await envoyFor(
      (request, controls) =>
        controls.write(
          request.request === 'request_body'
            ? {
                request_body: {
                  response: {
                    header_mutation: {
                      remove_headers: ['content-length'],
                      set_headers: [rawHeader('content-length', String(Buffer.byteLength(body)))],
                    },
                    body_mutation: { body: new TextEncoder().encode(body) },
                  },
                },
              }
            : continueReply(request),
        ),
      buffered,
    );
    const result = await envoy.exchange(POST);
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.body).toBe(body);
  });

  it('ReplaceCompleteRequest: CONTINUE_AND_REPLACE on headers replaces the body, no body message follows', async () => {
    const envoy = await envoyFor(
      (request, controls) =>
        controls.write(
          request.request === 'request_headers'
            ? {
                request_headers: {
                  response: {
                    status: 'CONTINUE_AND_REPLACE',
                    body_mutation: { body: new TextEncoder().encode('replaced') },
                  },
                },
              }
            : continueReply(request),
        ),
      buffered,
    );
    const result = await envoy.exchange(POST);
    expect(result.upstreamRequest?.body).toBe('replaced');
    expect(result.sent.some((message) => message.request_body)).toBe(false);
  });

  it('FULL_DUPLEX_STREAMED: non-streamed body mutations ⇒ 500', async () => {
    const envoy = await envoyFor(passThrough, {
      processingMode: { request_body_mode: 'FULL_DUPLEX_STREAMED', request_trailer_mode: 'SEND' },
    });
    const result = await envoy.exchange(POST);
    expect(result.status).toBe(500);
    expect(result.failure).toMatch(/streamed_response/);
  });
});

describe('response path', () => {
  it('GetAndSetHeadersOnResponse(BadStatus / TwoStatuses): :status < 200 and a second :status are ignored', async () => {
    const setStatus =
      (values: string[]): Script =>
      (request, controls) =>
        controls.write(
          request.request === 'response_headers'
            ? {
                response_headers: {
                  response: {
                    header_mutation: { set_headers: values.map((value) => rawHeader(':status', value)) },
                  },
                },
              }
            : continueReply(request),
        );
    expect((await (await envoyFor(setStatus(['201']))).exchange(GET)).status).toBe(201);
    const bad = await (await envoyFor(setStatus(['100']))).exchange(GET);
    expect(bad.status).toBe(200);
    expect(bad.counters.rejected_header_mutations).toBe(1);
    const two = await (await envoyFor(setStatus(['202', '203']))).exchange(GET);
    expect(two.status).toBe(202);
  });

  it('GetAndSetBodyAndHeadersOnResponse: header mutations in a body reply apply in BUFFERED, not in STREAMED', async () => {
    const script: Script = (request, controls) =>
      controls.write(
        request.request === 'response_body'
          ? {
              response_body: {
                response: {
                  header_mutation: { set_headers: [rawHeader('x-late', '1')] },
                  body_mutation: { body: new TextEncoder().encode('new') },
                },
              },
            }
          : continueReply(request),
      );
    const buffered = await (
      await envoyFor(script, { processingMode: { response_body_mode: 'BUFFERED' } })
    ).exchange(GET);
    expect(buffered).toMatchObject({ body: 'new', headers: { 'x-late': '1' } });
    const streamed = await (
      await envoyFor(script, { processingMode: { response_body_mode: 'STREAMED' } })
    ).exchange(GET);
    expect(streamed.body).toBe('new');
    expect(streamed.headers['x-late']).toBeUndefined();
  });

  it('GetAndRespondImmediatelyOnResponseBody: an immediate response replaces the buffered response', async () => {
    const envoy = await envoyFor(
      (request, controls) =>
        controls.write(
          request.request === 'response_body'
            ? { immediate_response: { status: { code: 403 }, body: new TextEncoder().encode('blocked') } }
            : continueReply(request),
        ),
      { processingMode: { response_body_mode: 'BUFFERED' } },
    );
    const result = await envoy.exchange(GET);
    expect(result).toMatchObject({ status: 403, body: 'blocked' });
    expect(result.upstreamRequest).toBeDefined();
  });
});

describe('failure mode', () => {
  it('FastFailOrderingTest.GrpcErrorOnStart: no server ⇒ 500, or unprocessed with failure_mode_allow', async () => {
    const envoy = createFakeEnvoy({ address: '127.0.0.1:1' });
    closers.push(() => envoy.close());
    const failed = await envoy.exchange(GET);
    expect(failed.status).toBe(500);
    expect(failed.counters.streams_failed).toBe(1);
    const allowed = await envoy.exchange(GET, { failureModeAllow: true });
    expect(allowed.status).toBe(200);
  });
});

describe('immediate responses', () => {
  it('GetAndRespondImmediately: status, headers, body; default content-type text/plain', async () => {
    const envoy = await envoyFor((_request, controls) =>
      controls.write({
        immediate_response: {
          status: { code: 401 },
          headers: { set_headers: [rawHeader('x-why', 'auth')] },
          body: new TextEncoder().encode('{"a":1}'),
        },
      }),
    );
    const result = await envoy.exchange(GET);
    expect(result).toMatchObject({
      status: 401,
      body: '{"a":1}',
      headers: { 'x-why': 'auth', 'content-type': 'text/plain' },
    });
    expect(result.upstreamRequest).toBeUndefined();
  });

  it('WithBadStatus: codes below 200 become 200; x-envoy-* and system headers are dropped', async () => {
    const envoy = await envoyFor((_request, controls) =>
      controls.write({
        immediate_response: {
          status: { code: 100 },
          headers: { set_headers: [rawHeader('x-envoy-x', '1'), rawHeader(':scheme', 'x')] },
        },
      }),
    );
    const result = await envoy.exchange(GET);
    expect(result.status).toBe(200);
    expect(result.headers['x-envoy-x']).toBeUndefined();
    expect(result.counters.rejected_header_mutations).toBe(2);
  });
});

describe('timeouts', () => {
  const silentOnHeaders: Script = (request, controls) => {
    if (request.request !== 'request_headers') controls.write(continueReply(request));
  };

  it('RequestMessageTimeout ⇒ 504; with failure_mode_allow the request continues', async () => {
    const clock = createManualClock();
    const envoy = await envoyFor(silentOnHeaders, {}, clock);
    const pending = envoy.exchange(GET);
    await new Promise((resolve) => setTimeout(resolve, 30));
    clock.advance(200);
    const result = await pending;
    expect(result.status).toBe(504);
    expect(result.counters.message_timeouts).toBe(1);

    const allowed = envoy.exchange(GET, { failureModeAllow: true });
    await new Promise((resolve) => setTimeout(resolve, 30));
    clock.advance(200);
    expect((await allowed).status).toBe(200);
  });

  it('override_message_timeout extends the timer once, only with max_message_timeout', async () => {
    const clock = createManualClock();
    let overrideWritten: () => void = () => {};
    let answer: () => void = () => {};
    const extendThenAnswer: Script = (request, controls) => {
      if (request.request === 'request_headers') {
        controls.write({ override_message_timeout: { seconds: 1, nanos: 0 } });
        answer = () => controls.write({ request_headers: {} });
        overrideWritten();
      } else controls.write(continueReply(request));
    };
    for (const [max, expected] of [
      [2000, 200],
      [0, 504],
    ] as const) {
      const envoy = await envoyFor(extendThenAnswer, { maxMessageTimeoutMs: max }, clock);
      const written = new Promise<void>((resolve) => {
        overrideWritten = resolve;
      });
      const pending = envoy.exchange(GET);
      await written;
      await new Promise((resolve) => setTimeout(resolve, 100));
      clock.advance(500);
      answer();
      const result = await pending;
      expect(result.status).toBe(expected);
      expect(result.counters.override_message_timeout_applied).toBe(max > 0 ? 1 : 0);
    }
  });
});

describe('modes', () => {
  it('mode_override is ignored without allow_mode_override, honoured with it, and filtered by allowed_override_modes', async () => {
    const override: Script = (request: ProcessingRequest, controls) =>
      controls.write(
        request.request === 'response_headers'
          ? { response_headers: {}, mode_override: { response_body_mode: 'STREAMED' } }
          : continueReply(request),
      );
    const spec: ExchangeSpec = {
      ...GET,
      upstream: () => ({
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        body: 'data: x\n\n',
      }),
    };
    const envoy = await envoyFor(override, buffered);
    const ignored = await envoy.exchange(spec);
    expect(ignored.counters.mode_override_ignored).toBe(1);
    expect(ignored.responseBodyMode).toBe('BUFFERED');
    const honoured = await envoy.exchange(spec, { allowModeOverride: true });
    expect(honoured.responseBodyMode).toBe('STREAMED');
    const filtered = await envoy.exchange(spec, {
      allowModeOverride: true,
      allowedOverrideModes: [{ response_body_mode: 'BUFFERED' }],
    });
    expect(filtered.responseBodyMode).toBe('BUFFERED');
  });

  it('observability mode: a server that replies is caught', async () => {
    const envoy = await envoyFor(passThrough, {
      observabilityMode: true,
      processingMode: { request_body_mode: 'STREAMED' },
    });
    const result = await envoy.exchange(POST);
    expect(result.status).toBe(200);
    expect(result.counters.spurious_msgs_received).toBeGreaterThan(0);
  });
});
