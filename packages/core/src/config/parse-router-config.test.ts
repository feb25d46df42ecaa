import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { parseRouterConfig } from './parse-router-config.js';

const reference = readFileSync(new URL('../__fixtures__/reference-example.yaml', import.meta.url), 'utf8');

function errorsOf(text: string, env: Record<string, string> = {}): ConfigIssue[] {
  try {
    parseRouterConfig(text, { env });
  } catch (error) {
    if (ConfigError.isInstance(error)) return [...error.issues];
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

const base = `version: v0.3
providers:
  models:
    - name: base-model
      backend_refs: [{endpoint: "127.0.0.1:8000"}]
routing:
  modelCards:
    - name: base-model
      loras: [{name: math-expert}]
  signals:
    keywords:
      - {name: urgent_keywords, keywords: [urgent, asap]}
`;

describe('parseRouterConfig', () => {
  it('accepts the reference example and applies defaults', () => {
    const { config, warnings } = parseRouterConfig(reference);
    expect(warnings).toEqual([]);
    expect(config.routing.decisions.map((decision) => decision.name)).toEqual([
      'stop_jailbreak',
      'stop_pii',
      'math',
      'law',
      'general',
    ]);
    expect(config.routing.strategy).toBe('priority');
    expect(config.routing.signals.keywords[0]!.case_sensitive).toBe(false);
    expect(config.providers.models[0]!.backend_refs[1]!.weight).toBe(1);
    const cache = config.routing.decisions[4]!.plugins[0]!;
    expect(cache.type).toBe('response_cache');
    expect(cache.configuration).toMatchObject({
      mode: 'exact_then_semantic',
      scope: 'global',
      semantic: { similarity_threshold: 0.9 },
      ttl_seconds: 1800,
    });
    expect(config.global.router.clear_route_cache).toBe(true);
  });

  it('names the YAML path, line and column of an unknown signal, with a suggestion', () => {
    const issues = errorsOf(`${base}  decisions:
    - name: a
      rules: {operator: AND, conditions: [{type: keyword, name: urgnt_keywords}]}
      modelRefs: [{model: base-model}]
`);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('routing.decisions[0].rules.conditions[0].name');
    expect(issues[0]!.message).toContain(
      'unknown keyword signal "urgnt_keywords" (did you mean "urgent_keywords"?)',
    );
    expect(issues[0]!.line).toBe(15);
    expect(issues[0]!.column).toBeGreaterThan(40);
  });

  it('reports every semantic error at once: unknown model, unknown LoRA, complexity level, empty model list', () => {
    const issues = errorsOf(`${base}    complexity:
      - {name: cx, hard: {candidates: [prove]}, easy: {candidates: [hi]}}
  decisions:
    - name: a
      rules: {operator: OR, conditions: [{type: complexity, name: cx}]}
      modelRefs: [{model: base-modle}]
    - name: b
      rules: {operator: OR, conditions: [{type: complexity, name: "cx:hard"}]}
      modelRefs: [{model: base-model, lora_name: math-exprt}]
    - name: c
      rules: {operator: OR, conditions: [{type: keyword, name: urgent_keywords}]}
`);
    const messages = issues.map((issue) => `${issue.path}: ${issue.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'routing.decisions[0].rules.conditions[0].name: complexity condition "cx" needs a level suffix',
        ),
        expect.stringContaining(
          'routing.decisions[0].modelRefs[0].model: unknown model "base-modle" (did you mean "base-model"?)',
        ),
        expect.stringContaining(
          'routing.decisions[1].modelRefs[0].lora_name: unknown LoRA adapter "math-exprt" for model "base-model" (did you mean "math-expert"?)',
        ),
        expect.stringContaining('routing.decisions[2].modelRefs: decision "c" has an empty model list'),
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it('checks complexity composers: known signals only, no complexity or projection leaves', () => {
    const decisions = `  decisions:
    - name: a
      rules: {operator: OR, conditions: [{type: complexity, name: "cx:hard"}]}
      modelRefs: [{model: base-model}]
`;
    const messages = errorsOf(`${base}    complexity:
      - name: cx
        hard: {candidates: [prove]}
        easy: {candidates: [hi]}
        composer:
          operator: AND
          conditions:
            - {type: keyword, name: urgent_keyword}
            - {operator: NOT, conditions: [{type: complexity, name: "cx:easy"}]}
${decisions}`).map((issue) => `${issue.path}: ${issue.message}`);
    expect(messages).toEqual([
      expect.stringContaining(
        'routing.signals.complexity[0].composer.conditions[1].conditions[0].type: a complexity composer cannot reference complexity signals',
      ),
    ]);
    const unknown = errorsOf(`${base}    complexity:
      - name: cx
        hard: {candidates: [prove]}
        easy: {candidates: [hi]}
        composer: {operator: OR, conditions: [{type: keyword, name: urgent_keyword}]}
${decisions}`).map((issue) => `${issue.path}: ${issue.message}`);
    expect(unknown).toEqual([
      expect.stringContaining(
        'routing.signals.complexity[0].composer.conditions[0].name: unknown keyword signal "urgent_keyword" (did you mean "urgent_keywords"?)',
      ),
    ]);
    // The reference's flat form and a nested tree both parse.
    const { config } = parseRouterConfig(`${base}    complexity:
      - name: cx
        hard: {candidates: [prove]}
        easy: {candidates: [hi]}
        composer: {operator: OR, conditions: [{type: keyword, name: urgent_keywords}]}
${decisions}`);
    expect(config.routing.signals.complexity[0]?.composer).toEqual({
      operator: 'OR',
      conditions: [{ type: 'keyword', name: 'urgent_keywords' }],
    });
  });

  it('rejects duplicate names, thresholds outside [0, 1] and NOT with two children', () => {
    const duplicate = errorsOf(`${base}      - {name: urgent_keywords, keywords: [now]}
`);
    expect(duplicate[0]).toMatchObject({
      path: 'routing.signals.keywords[1].name',
      message: expect.stringContaining('duplicate keyword signal name "urgent_keywords"'),
    });

    const threshold = errorsOf(`${base}    embeddings:
      - {name: e, threshold: 1.5, candidates: [x]}
`);
    expect(threshold[0]).toMatchObject({
      path: 'routing.signals.embeddings[0].threshold',
      message: 'must be within [0, 1]',
      line: 14,
    });

    const not = errorsOf(`${base}  decisions:
    - name: a
      rules: {operator: NOT, conditions: [{type: keyword, name: urgent_keywords}, {type: keyword, name: urgent_keywords}]}
      modelRefs: [{model: base-model}]
`);
    expect(not[0]!.message).toBe('NOT takes exactly one condition, found 2');
  });

  it('warns about unknown fields but keeps validating the rest', () => {
    const { warnings, config } = parseRouterConfig(`${base}  decisions:
    - name: a
      priorty: 5
      rules: {operator: OR, conditions: [{type: keyword, name: urgent_keywords}]}
      modelRefs: [{model: base-model}]
`);
    expect(warnings).toEqual([
      expect.objectContaining({
        path: 'routing.decisions[0].priorty',
        message: 'unknown field "priorty" is ignored',
        line: 15,
        severity: 'warning',
      }),
    ]);
    expect(config.routing.decisions[0]!.priority).toBe(0);
  });

  it('reads observability: per-signal spans and windowed metrics with defaults, durations checked', () => {
    const decisions = `  decisions:
    - name: a
      rules: {operator: OR, conditions: [{type: keyword, name: urgent_keywords}]}
      modelRefs: [{model: base-model}]
`;
    const defaults = parseRouterConfig(`${base}${decisions}global:
  services:
    observability:
      tracing: {enabled: true}
      metrics: {windowed_metrics: {enabled: true}}
`).config.global.services.observability!;
    expect(defaults.tracing!.signal_spans).toBe('learned');
    expect(defaults.metrics!.windowed_metrics).toEqual({
      enabled: true,
      time_windows: ['1m', '5m', '15m', '1h', '24h'],
      max_models: 100,
      max_samples: 10_000,
    });
    const { config, warnings } = parseRouterConfig(`${base}${decisions}global:
  services:
    observability:
      tracing: {enabled: true, signal_spans: all}
      metrics:
        windowed_metrics: {enabled: true, time_windows: [30s, 1h30m], update_interval: 10s, max_model: 3}
`);
    expect(config.global.services.observability!.tracing!.signal_spans).toBe('all');
    expect(config.global.services.observability!.metrics!.windowed_metrics!.time_windows).toEqual([
      '30s',
      '1h30m',
    ]);
    expect(warnings.map((warning) => warning.path)).toEqual([
      'global.services.observability.metrics.windowed_metrics.max_model',
    ]);
    const issues = errorsOf(`${base}${decisions}global:
  services:
    observability:
      tracing: {signal_spans: some}
      metrics: {windowed_metrics: {time_windows: [5 minutes]}}
`);
    expect(issues.map((issue) => issue.path).sort()).toEqual([
      'global.services.observability.metrics.windowed_metrics.time_windows[0]',
      'global.services.observability.tracing.signal_spans',
    ]);
  });

  it('reports wrong types with what was found', () => {
    const issues = errorsOf(`${base}  decisions:
    - name: a
      priority: high
      rules: {operator: XOR, conditions: []}
      modelRefs: [{model: base-model}]
`);
    expect(issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['routing.decisions[0].priority']),
    );
    expect(issues.find((issue) => issue.path === 'routing.decisions[0].priority')!.message).toBe(
      'expected number, got string',
    );
  });

  it('substitutes ${VAR} and ${VAR:-default}, and warns about unset variables', () => {
    const text = base
      .replace('"127.0.0.1:8000"', '"${HOST}:${PORT:-9000}"')
      .replace(
        'name: base-model\n      backend_refs',
        'name: base-model\n      provider_model_id: "${MODEL_ID}"\n      backend_refs',
      );
    const { config, warnings } = parseRouterConfig(text, { env: { HOST: 'vllm.local' } });
    expect(config.providers.models[0]!.backend_refs[0]!.endpoint).toBe('vllm.local:9000');
    expect(warnings).toEqual([
      expect.objectContaining({ message: expect.stringContaining('MODEL_ID is not set'), line: 5 }),
    ]);
  });

  it('explains malformed YAML with a position', () => {
    const issues = errorsOf('version: v0.3\nrouting:\n  decisions: [\n');
    expect(issues[0]!.message).toMatch(/^YAML syntax error/);
    expect(issues[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('points legacy v0.1 files at `semroute migrate`', () => {
    const issues = errorsOf('default_model: m\ncategories: [{name: math}]\n');
    expect(issues[0]!.message).toContain('semroute migrate');
  });

  it('rejects an empty document, a wrong version and an unknown plugin', () => {
    expect(errorsOf('')[0]!.message).toBe('the document is empty');
    expect(errorsOf(base.replace('v0.3', 'v0.2'))[0]!.message).toContain('version must be "v0.3"');
    const plugin = errorsOf(`${base}  decisions:
    - name: a
      rules: {operator: OR, conditions: [{type: keyword, name: urgent_keywords}]}
      modelRefs: [{model: base-model}]
      plugins: [{type: fast_respons, configuration: {message: no}}]
`);
    expect(plugin[0]).toMatchObject({
      path: 'routing.decisions[0].plugins[0].type',
      message: 'unknown plugin type "fast_respons" (did you mean "fast_response"?)',
    });
  });

  it('parses 32K-style token counts and rejects nonsense', () => {
    const { config } = parseRouterConfig(`${base}    context:
      - {name: long, min_tokens: 32K, max_tokens: 1.5M}
`);
    expect(config.routing.signals.context[0]).toMatchObject({ min_tokens: 32768, max_tokens: 1572864 });
    const issues = errorsOf(`${base}    context:
      - {name: long, min_tokens: lots}
`);
    expect(issues[0]!.message).toContain('"lots" is not a token count');
  });

  it('checks default model, reasoning families and entrypoint recipes', () => {
    const issues = errorsOf(`version: v0.3
providers:
  defaults: {default_model: nope}
  models:
    - {name: m, reasoning_family: qwen3, backend_refs: [{endpoint: "h:1"}]}
entrypoints:
  - {model_names: [fast], recipe: cheap}
`);
    expect(issues.map((issue) => issue.path)).toEqual([
      'providers.defaults.default_model',
      'providers.models[0].reasoning_family',
      'entrypoints[0].recipe',
    ]);
  });
});
