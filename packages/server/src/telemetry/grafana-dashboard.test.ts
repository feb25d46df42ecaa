import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRouterTelemetry } from './create-router-telemetry.js';

const DASHBOARD = fileURLToPath(
  new URL('../../../../deploy/grafana/semroute-dashboard.json', import.meta.url),
);

interface Panel {
  type: string;
  id: number;
  title: string;
  targets?: { expr: string; refId: string }[];
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: Panel[] };
const expressions = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel, expr: target.expr })),
);
const described = createRouterTelemetry().describeMetrics();
const byName = new Map(described.map((metric) => [metric.name, metric]));

/** Resolves a series name (`x_bucket`, `x_sum`, `x_count`) to its registered family. */
function familyOf(series: string) {
  const exact = byName.get(series);
  if (exact) return exact;
  const base = series.replace(/_(bucket|sum|count)$/, '');
  const family = byName.get(base);
  return family?.type === 'histogram' ? family : undefined;
}

describe('deploy/grafana dashboard', () => {
  it('has queries, unique panel ids and a datasource variable', () => {
    expect(dashboard.uid).toBe('semroute-router');
    expect(expressions.length).toBeGreaterThan(25);
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('queries only metrics that exist in the registry', () => {
    const missing: string[] = [];
    for (const { panel, expr } of expressions) {
      const names = expr.match(/\b(?:llm|semroute|batch_classification)_[a-z0-9_]+/g) ?? [];
      expect(names.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) if (!familyOf(name)) missing.push(`${panel.title}: ${name}`);
    }
    expect(missing).toEqual([]);
  });

  it('groups only by labels those metrics have', () => {
    const wrong: string[] = [];
    for (const { panel, expr } of expressions) {
      const families = (expr.match(/\b(?:llm|semroute|batch_classification)_[a-z0-9_]+/g) ?? []).map(
        familyOf,
      );
      for (const group of expr.matchAll(/\bby \(([^)]*)\)/g))
        for (const label of group[1]!.split(',').map((value) => value.trim())) {
          if (label === 'le') continue;
          if (!families.some((family) => family?.labelNames.includes(label)))
            wrong.push(`${panel.title}: ${label}`);
        }
    }
    expect(wrong).toEqual([]);
  });

  it('covers the reference metric names', () => {
    const queried = new Set(
      expressions
        .flatMap(({ expr }) => expr.match(/\bllm_[a-z0-9_]+/g) ?? [])
        .map((name) => familyOf(name)?.name),
    );
    for (const name of [
      'llm_model_requests_total',
      'llm_model_routing_latency_seconds',
      'llm_signal_extraction_latency_seconds',
      'llm_decision_match_total',
      'llm_cache_hits_total',
      'llm_cache_misses_total',
      'llm_pii_violations_total',
      'llm_model_prompt_tokens_total',
      'llm_model_completion_tokens_total',
      'llm_model_cost_total',
      'llm_request_errors_total',
    ])
      expect(queried).toContain(name);
  });
});
