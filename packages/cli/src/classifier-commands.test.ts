import { join } from 'node:path';
import { buildDefaultModels, canBuildDefaultModels } from '@semroute/classifiers';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, repositoryRoot, tempFile } from '../test/cli-harness.js';

const root = repositoryRoot;
const modelsDir = join(root, 'models');
const buildable = canBuildDefaultModels();
if (!buildable.ok) console.warn(`skipping CLI model tests: ${buildable.reason}`);

describe('semroute classify / eval / models (usage errors need no models)', () => {
  it('rejects an unknown task with a one-line usage error', async () => {
    const result = await cli(['classify', '--task', 'sentiment', 'hello']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--task must be one of');
    expect((await cli(['models', 'frobnicate'])).code).toBe(1);
  });
});

describe.skipIf(!buildable.ok)('semroute commands over the default models', () => {
  beforeAll(async () => {
    await buildDefaultModels({ modelsDir });
  }, 240_000);

  it('models list shows installed models with task, size and labels', async () => {
    const result = await cli(['models', 'list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/domain-glove-sif-mlp {2}text-classification {2}\d+\.\d MB/);
    expect(result.stdout).toContain('lid.176.ftz');
    const json = JSON.parse((await cli(['models', 'list', '--json'])).stdout) as { id: string }[];
    expect(json.map((model) => model.id)).toContain('pii-glove-window-mlp');
  });

  it('classify prints labels, entities and languages; reads stdin with -', async () => {
    const domain = await cli([
      'classify',
      '--task',
      'domain',
      'Compute the derivative of x^3 + 2x and evaluate the integral from 0 to 1.',
    ]);
    expect(domain.stdout).toMatch(/^math \d\.\d{3}/);
    const pii = await cli(['classify', '--task', 'pii', '--json', '-'], 'Write to jane@example.org today');
    expect(JSON.parse(pii.stdout)).toMatchObject({
      task: 'pii',
      entities: [{ label: 'EMAIL_ADDRESS', text: 'jane@example.org' }],
    });
    expect((await cli(['classify', '--task', 'language', 'Guten Morgen, wie geht es dir?'])).stdout).toMatch(
      /^de /,
    );
  });

  it('eval scores a JSONL file: accuracy, macro-F1 and a per-label table', async () => {
    const data = tempFile(
      'domain.jsonl',
      [
        { text: 'Compute the derivative of x^3 + 2x and evaluate the integral from 0 to 1.', label: 'math' },
        { text: 'Is the contract void if the plaintiff signed it under duress?', label: 'law' },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n'),
    );
    const result = await cli(['eval', '--task', 'domain', '--data', data, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ task: 'classification', examples: 2, accuracy: 1 });
    const table = await cli(['eval', '--task', 'domain', '--data', data]);
    expect(table.stdout).toContain('accuracy 1.000');
    expect(table.stdout).toMatch(/math\s+1\.000\s+1\.000\s+1\.000\s+1/);
  });

  it('route wires the learned signals: a domain signal picks the math decision', async () => {
    const config = tempFile(
      'config.yaml',
      `version: v0.3
providers:
  defaults: {default_model: general}
  models:
    - {name: general, backend_refs: [{endpoint: "127.0.0.1:8000"}]}
    - {name: mathematician, backend_refs: [{endpoint: "127.0.0.1:8001"}]}
routing:
  signals:
    domains: [{name: math}]
    pii: [{name: no_pii}]
  decisions:
    - name: block_pii
      priority: 100
      rules: {operator: OR, conditions: [{type: pii, name: no_pii}]}
      plugins: [{type: fast_response, configuration: {message: "no personal data please"}}]
    - name: math
      priority: 10
      rules: {operator: OR, conditions: [{type: domain, name: math}]}
      modelRefs: [{model: mathematician}]
global:
  model_catalog: {models_dir: ${modelsDir}}
`,
    );
    const math = await cli([
      'route',
      '--config',
      config,
      '--json',
      'Compute the derivative of x^3 + 2x and evaluate the integral from 0 to 1.',
    ]);
    expect(math.stderr).toBe('');
    expect(JSON.parse(math.stdout)).toMatchObject({ decision: 'math', selectedModel: 'mathematician' });
    const pii = await cli(['route', '--config', config, '--json', 'email me at jane@example.org']);
    expect(JSON.parse(pii.stdout)).toMatchObject({ decision: 'block_pii', response: 'immediate' });
  });
});
