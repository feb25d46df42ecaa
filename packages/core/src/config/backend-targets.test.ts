import { describe, expect, it } from 'vitest';
import { orderTargetsByWeight, resolveBackendTargets } from './backend-targets.js';
import { routerConfigSchema } from './router-config-schema.js';

const config = routerConfigSchema.parse({
  version: 'v0.3',
  providers: {
    models: [
      {
        name: 'local',
        backend_refs: [
          { name: 'vllm-1', endpoint: '127.0.0.1:8000', weight: 3 },
          {
            endpoint: 'vllm-2:8001',
            protocol: 'https',
            chat_path: 'custom/chat',
            extra_headers: { 'X-Team': 'blue' },
          },
        ],
      },
      {
        name: 'openai',
        backend_refs: [{ name: 'oa', base_url: 'https://api.example.com/v1/', api_key_env: 'TEST_KEY' }],
      },
      {
        name: 'azure',
        backend_refs: [
          {
            name: 'az',
            base_url: 'https://az.example.com/openai/deployments/x',
            api_key: 'k',
            auth_header: 'api-key',
            api_version: '2024-06-01',
          },
        ],
      },
      {
        name: 'custom-prefix',
        backend_refs: [{ endpoint: '10.0.0.1:80', api_key: 'k', auth_prefix: 'Token' }],
      },
    ],
  },
});

describe('resolveBackendTargets', () => {
  const targets = resolveBackendTargets(config, { TEST_KEY: 'sk-test' });

  it('builds chat URLs from endpoints (with chat_path) and base URLs', () => {
    const local = targets.get('local')!;
    expect(local[0]).toMatchObject({
      id: 'local/vllm-1',
      name: 'vllm-1',
      url: 'http://127.0.0.1:8000/v1/chat/completions',
      weight: 3,
      hasAuth: false,
    });
    expect(local[0]!.modelsUrl).toBe('http://127.0.0.1:8000/v1/models');
    expect(local[1]).toMatchObject({
      id: 'local/1',
      name: 'vllm-2:8001',
      url: 'https://vllm-2:8001/custom/chat',
      weight: 1,
    });
    expect(local[1]!.headers).toEqual({ 'x-team': 'blue' });
    expect(targets.get('openai')![0]).toMatchObject({
      url: 'https://api.example.com/v1/chat/completions',
      modelsUrl: 'https://api.example.com/v1/models',
    });
  });

  it('adds auth from api_key_env / api_key with the header and prefix', () => {
    expect(targets.get('openai')![0]!.headers).toEqual({ authorization: 'Bearer sk-test' });
    expect(targets.get('openai')![0]!.hasAuth).toBe(true);
    expect(targets.get('azure')![0]!.headers).toEqual({ 'api-key': 'k' });
    expect(targets.get('azure')![0]!.url).toBe(
      'https://az.example.com/openai/deployments/x/chat/completions?api-version=2024-06-01',
    );
    expect(targets.get('custom-prefix')![0]!.headers).toEqual({ authorization: 'Token k' });
  });

  it('sends no auth header when the env variable is unset', () => {
    expect(resolveBackendTargets(config, {}).get('openai')![0]!.headers).toEqual({});
  });
});

describe('orderTargetsByWeight', () => {
  const targets = [
    { id: 'a', weight: 3 },
    { id: 'b', weight: 1 },
    { id: 'z', weight: 0 },
  ];
  it('picks by weight without replacement; weight 0 goes last', () => {
    expect(orderTargetsByWeight(targets, () => 0).map((t) => t.id)).toEqual(['a', 'b', 'z']);
    expect(orderTargetsByWeight(targets, () => 0.8).map((t) => t.id)).toEqual(['b', 'a', 'z']);
  });
  it('follows the weights over many draws', () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    };
    let first = 0;
    for (let index = 0; index < 4000; index++)
      if (orderTargetsByWeight(targets, random)[0]!.id === 'a') first++;
    expect(first / 4000).toBeGreaterThan(0.7);
    expect(first / 4000).toBeLessThan(0.8);
  });
});
