import { describe, expect, it } from 'vitest';
import { defaultIsRoutable } from './ext-proc-options.js';
import { buildHeaderMutation, headerMapToRecord, rawHeader } from './header-utils.js';
import { isEnvoyStatusCode, statusCodeNumber, toEnvoyStatusCode } from './http-status.js';

describe('header helpers', () => {
  it('reads raw_value first, falls back to value, lower-cases and joins repeats', () => {
    expect(
      headerMapToRecord({
        headers: [
          { key: 'X-A', raw_value: new TextEncoder().encode('raw'), value: 'ignored' },
          { key: 'x-b', value: 'plain' },
          { key: 'x-c', value: '1' },
          { key: 'x-c', value: '2' },
        ],
      }),
    ).toEqual({ 'x-a': 'raw', 'x-b': 'plain', 'x-c': '1, 2' });
  });

  it('writes raw_value only with OVERWRITE_IF_EXISTS_OR_ADD and append unset', () => {
    const option = rawHeader('X-Selected-Model', 'm');
    expect(option.header.key).toBe('x-selected-model');
    expect(option.header.value).toBeUndefined();
    expect(new TextDecoder().decode(option.header.raw_value)).toBe('m');
    expect(option.append_action).toBe('OVERWRITE_IF_EXISTS_OR_ADD');
    expect(option.append).toBeUndefined();
  });

  it('never emits mutations Envoy ignores or rejects', () => {
    const mutation = buildHeaderMutation(
      {
        ':authority': 'x',
        host: 'x',
        'x-envoy-retry-on': '5xx',
        ':path': '/v2',
        'x-ok': 'yes',
        'x-bad': 'a\nb',
      },
      ['content-length', ':method', 'x-envoy-a'],
    );
    expect(mutation.set_headers?.map((option) => option.header.key)).toEqual([':path', 'x-ok']);
    expect(mutation.remove_headers).toEqual(['content-length']);
  });
});

describe('status codes', () => {
  it('maps any status to one Envoy defines', () => {
    expect(isEnvoyStatusCode(418)).toBe(false);
    expect(toEnvoyStatusCode(418)).toBe(400);
    expect(toEnvoyStatusCode(499)).toBe(400);
    expect(toEnvoyStatusCode(599)).toBe(500);
    expect(toEnvoyStatusCode(100)).toBe(200);
    expect(toEnvoyStatusCode(429)).toBe(429);
    expect(statusCodeNumber('TooManyRequests')).toBe(429);
  });
});

describe('defaultIsRoutable', () => {
  it('routes POST chat completions (and unknown method/path), nothing else', () => {
    expect(defaultIsRoutable({ method: 'POST', path: '/v1/chat/completions?x=1' })).toBe(true);
    expect(defaultIsRoutable({ method: 'POST', path: '/openai/v1/chat/completions' })).toBe(true);
    expect(defaultIsRoutable({ method: undefined, path: undefined })).toBe(true);
    expect(defaultIsRoutable({ method: 'GET', path: '/v1/chat/completions' })).toBe(false);
    expect(defaultIsRoutable({ method: 'POST', path: '/v1/embeddings' })).toBe(false);
  });
});
