import { describe, expect, it } from 'vitest';
import type { CliIo } from '../cli-io.js';
import { createSimCommand, parseSimArgs } from './sim-command.js';

describe('semroute sim', () => {
  it('parses models, adapters with parents and faults', () => {
    expect(
      parseSimArgs([
        '--port',
        '0',
        '--model',
        'base',
        '--lora',
        'math-expert',
        '--lora',
        'law:other',
        '--error-rate',
        '0.5',
        '--tokens-per-second',
        '20',
      ]),
    ).toEqual({
      port: 0,
      models: ['base'],
      loras: [
        { name: 'math-expert', parent: 'base' },
        { name: 'law', parent: 'other' },
      ],
      errorRate: 0.5,
      tokensPerSecond: 20,
    });
    expect(() => parseSimArgs(['--error-rate', '2'])).toThrow('--error-rate');
  });

  it('serves until shut down', async () => {
    let output = '';
    let url = '';
    const io: CliIo = {
      stdout: (text) => (output += text),
      stderr: () => undefined,
      readStdin: async () => '',
      env: {},
      cwd: '.',
    };
    const command = createSimCommand({
      waitForShutdown: async () => {
        url = /listening on (\S+)/.exec(output)![1]!;
        const models = (await (await fetch(`${url}/v1/models`)).json()) as {
          data: Array<{ id: string; parent: string | null }>;
        };
        expect(models.data).toEqual([
          expect.objectContaining({ id: 'base-model', parent: null }),
          expect.objectContaining({ id: 'math-expert', parent: 'base-model' }),
        ]);
      },
    });
    expect(await command.run(['--port', '0', '--lora', 'math-expert'], io)).toBe(0);
    expect(output).toContain('serving base-model, math-expert');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});
