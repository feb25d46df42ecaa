import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from './metrics-registry.js';

describe('MetricsRegistry', () => {
  it('renders counters, gauges and cumulative histograms that a Prometheus parser reads back', () => {
    const registry = new MetricsRegistry({ defaultLabels: { instance: 'a' } });
    const counter = registry.counter('requests_total', 'Requests\nwith a newline', ['model']);
    const gauge = registry.gauge('in_flight', 'In flight');
    const histogram = registry.histogram('latency_seconds', 'Latency', [], [0.1, 0.01, 1]);
    counter.inc(['m"1\\x\ny']);
    counter.inc(['m"1\\x\ny'], 2);
    counter.inc(['other'], -5); // ignored: counters never decrease
    gauge.add([], 3);
    gauge.add([], -1);
    for (const value of [0.005, 0.01, 0.05, 0.5, 5, Number.NaN]) histogram.observe([], value);
    const text = registry.render();
    expect(text).toContain('# HELP requests_total Requests\\nwith a newline');
    expect(text).toContain('requests_total{instance="a",model="m\\"1\\\\x\\ny"} 3');
    expect(text).toContain('latency_seconds_bucket{instance="a",le="0.01"} 2');
    expect(text).toContain('latency_seconds_bucket{instance="a",le="0.1"} 3');
    expect(text).toContain('latency_seconds_bucket{instance="a",le="1"} 4');
    expect(text).toContain('latency_seconds_bucket{instance="a",le="+Inf"} 5');
    const families = parsePrometheusTextFormat(text);
    expect(families.map((family) => [family.name, family.type])).toEqual([
      ['requests_total', 'COUNTER'],
      ['in_flight', 'GAUGE'],
      ['latency_seconds', 'HISTOGRAM'],
    ]);
    expect(families[0]!.metrics).toEqual([{ value: '3', labels: { instance: 'a', model: 'm"1\\x\ny' } }]);
    expect(families[1]!.metrics[0]!.value).toBe('2');
    expect(families[2]!.metrics[0]).toMatchObject({ buckets: { '0.01': '2', '0.1': '3', '1': '4' } });
    expect(Number(text.match(/latency_seconds_sum\{instance="a"\} (\S+)/)?.[1])).toBeCloseTo(5.565, 9);
  });

  it('rejects bad names, duplicate families and wrong label counts', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter('bad-name', 'x')).toThrow(/invalid metric name/);
    expect(() => registry.counter('ok_total', 'x', ['le'])).toThrow(/invalid label name/);
    registry.counter('dup_total', 'x');
    expect(() => registry.gauge('dup_total', 'x')).toThrow(/registered twice/);
    const labelled = registry.counter('labelled_total', 'x', ['a', 'b']);
    expect(() => labelled.inc(['only-one'])).toThrow(/takes labels a, b/);
    expect(() => registry.histogram('h', 'x', [], [1, 1])).toThrow(/duplicate bucket/);
  });

  it('folds label sets beyond the cap into an overflow series instead of growing without bound', () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter('many_total', 'x', ['id']);
    for (let index = 0; index < 10_050; index++) counter.inc([`id-${index}`]);
    const text = registry.render();
    expect(text.split('\n').filter((line) => line.startsWith('many_total{')).length).toBe(10_001);
    expect(text).toContain('many_total{id="__overflow__"} 50');
  });
});
