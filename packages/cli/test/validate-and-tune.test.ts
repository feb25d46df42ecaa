import { serveSimulatedBackend } from '@semroute/http-proxy/node';
import { describe, expect, it } from 'vitest';
import { cli, tempFile } from './cli-harness.js';

describe('semroute validate --check-backends', () => {
  it('passes when the backend serves every routed model and adapter, and names what is missing otherwise', async () => {
    const complete = await serveSimulatedBackend({
      port: 0,
      models: ['base-model'],
      loras: ['math-expert', 'law-expert', 'general-expert'],
    });
    try {
      const ok = await cli(['validate', '--check-backends', 'examples/quickstart/keywords.yaml'], '', {
        ...process.env,
        SEMROUTE_SIM_PORT: String(complete.port),
      });
      expect(ok.code).toBe(0);
    } finally {
      await complete.close();
    }
    const partial = await serveSimulatedBackend({ port: 0, models: ['base-model'], loras: ['math-expert'] });
    try {
      const missing = await cli(['validate', '--check-backends', 'examples/quickstart/keywords.yaml'], '', {
        ...process.env,
        SEMROUTE_SIM_PORT: String(partial.port),
      });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('law-expert');
      expect(missing.stderr).toContain('general-expert');
    } finally {
      await partial.close();
    }
  });
});

describe('semroute cache tune', () => {
  it('reports hit and false-hit rates per threshold and recommends one', async () => {
    const rows = [
      {
        a: 'How do I bake sourdough bread at home?',
        b: 'How can I bake sourdough bread at home?',
        paraphrase: true,
      },
      {
        a: 'What is the boiling point of water at sea level?',
        b: 'At sea level, what is the boiling point of water?',
        paraphrase: true,
      },
      {
        a: 'Explain how vaccines train the immune system.',
        b: 'How do vaccines train the immune system?',
        paraphrase: true,
      },
      {
        a: 'How do I bake sourdough bread at home?',
        b: 'What is the capital city of Australia?',
        paraphrase: false,
      },
      {
        a: 'Explain how vaccines train the immune system.',
        b: 'Which planets have rings?',
        paraphrase: false,
      },
      { a: 'What is 12 times 7?', b: 'What is 12 times 8?', paraphrase: false },
    ];
    const file = tempFile('pairs.jsonl', rows.map((row) => JSON.stringify(row)).join('\n'));
    const result = await cli(['cache', 'tune', '--data', file, '--target', '0', '--json'], '', process.env);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ positives: 3, negatives: 3, targetFalseHitRate: 0 });
    expect(report.rows.length).toBeGreaterThanOrEqual(5);
    expect(report.recommended.falseHitRate).toBe(0);
    expect(report.recommended.hitRate).toBeGreaterThan(0);
    const text = await cli(['cache', 'tune', '--data', file], '', process.env);
    expect(text.stdout).toContain('false-hit rate');
  }, 120_000);

  it('explains a bad file or bad usage in one line', async () => {
    expect((await cli(['cache', 'tune'], '', process.env)).stderr).toContain('--data is required');
    expect((await cli(['cache', 'frob'], '', process.env)).stderr).toContain(
      'unknown or missing subcommand "frob"',
    );
    const file = tempFile('bad.jsonl', '{"a": 1}\n');
    const bad = await cli(['cache', 'tune', '--data', file], '', process.env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.jsonl/);
  });
});
