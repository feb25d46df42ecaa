/**
 * A minimal Prometheus registry for the router's hot path: counters, gauges and histograms whose
 * label sets are bound once and cached, so recording one value is a map lookup and an add (no
 * per-call label hashing or validation). Exposes the Prometheus text format (version 0.0.4).
 * Measured against prom-client and @opentelemetry/sdk-metrics in BENCHMARKS.md; the exposition
 * is checked with an independent parser in the tests.
 *
 * @module
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** The text exposition content type Prometheus scrapes. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Cap on cached label sets per family; beyond it values are still recorded, just not cached. */
const MAX_SERIES = 10_000;

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  collect(prefix: string, lines: string[]): void;
}

abstract class BaseFamily<S> implements Family {
  abstract readonly type: MetricType;
  protected readonly series = new Map<string, { readonly labels: string; readonly state: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!NAME.test(name)) throw new TypeError(`invalid metric name ${name}`);
    for (const label of labelNames)
      if (!LABEL.test(label) || label === 'le') throw new TypeError(`invalid label name ${label} on ${name}`);
  }

  protected abstract create(): S;

  /** The state for one label set (values in `labelNames` order). */
  protected state(values: readonly string[]): S {
    const length = values.length;
    const key =
      length === 1
        ? values[0]!
        : length === 0
          ? ''
          : length === 2
            ? `${values[0]}\u0001${values[1]}`
            : values.join('\u0001');
    const found = this.series.get(key);
    if (found) return found.state;
    if (values.length !== this.labelNames.length)
      throw new TypeError(
        `${this.name} takes labels ${this.labelNames.join(', ')}, got ${values.length} values`,
      );
    const labels = this.labelNames
      .map((label, index) => `${label}="${escapeLabelValue(String(values[index]))}"`)
      .join(',');
    const entry = { labels, state: this.create() };
    if (this.series.size < MAX_SERIES) this.series.set(key, entry);
    else {
      // Too many label sets: keep exposing what exists and fold the rest into an overflow series.
      const overflow = this.series.get('\u0000overflow');
      if (overflow) return overflow.state;
      const overflowEntry = {
        labels: this.labelNames.map((label) => `${label}="__overflow__"`).join(','),
        state: this.create(),
      };
      this.series.set('\u0000overflow', overflowEntry);
      return overflowEntry.state;
    }
    return entry.state;
  }

  abstract collect(prefix: string, lines: string[]): void;

  protected header(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`);
  }
}

function joinLabels(prefix: string, labels: string, extra?: string): string {
  const parts = [prefix, labels, extra].filter((part) => part);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export class CounterFamily extends BaseFamily<{ value: number }> {
  readonly type = 'counter';
  protected create() {
    return { value: 0 };
  }
  /** Adds `amount` (default 1; must be ≥ 0) to the series with these label values. */
  inc(values: readonly string[], amount = 1): void {
    if (!(amount >= 0)) return;
    this.state(values).value += amount;
  }
  collect(prefix: string, lines: string[]): void {
    this.header(lines);
    for (const { labels, state } of this.series.values())
      lines.push(`${this.name}${joinLabels(prefix, labels)} ${formatNumber(state.value)}`);
  }
}

export class GaugeFamily extends BaseFamily<{ value: number }> {
  readonly type = 'gauge';
  protected create() {
    return { value: 0 };
  }
  set(values: readonly string[], value: number): void {
    this.state(values).value = value;
  }
  add(values: readonly string[], delta: number): void {
    this.state(values).value += delta;
  }
  /** Removes every series (for gauges recomputed at scrape time, whose label sets come and go). */
  clear(): void {
    this.series.clear();
  }
  collect(prefix: string, lines: string[]): void {
    this.header(lines);
    // An unlabelled gauge always has a value.
    if (this.labelNames.length === 0 && this.series.size === 0) this.state([]);
    for (const { labels, state } of this.series.values())
      lines.push(`${this.name}${joinLabels(prefix, labels)} ${formatNumber(state.value)}`);
  }
}

export class HistogramFamily extends BaseFamily<{ counts: Float64Array; sum: number; count: number }> {
  readonly type = 'histogram';
  private readonly bounds: Float64Array;
  private readonly boundLabels: readonly string[];

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames);
    const sorted = [...buckets].sort((left, right) => left - right);
    if (sorted.some((bound, index) => index > 0 && bound === sorted[index - 1]))
      throw new TypeError(`duplicate bucket bound on ${name}`);
    this.bounds = Float64Array.from(sorted);
    this.boundLabels = sorted.map((bound) => `le="${formatNumber(bound)}"`);
  }

  protected create() {
    return { counts: new Float64Array(this.bounds.length), sum: 0, count: 0 };
  }

  observe(values: readonly string[], value: number): void {
    if (Number.isNaN(value)) return;
    const state = this.state(values);
    const bounds = this.bounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]!) index++;
    if (index < bounds.length) state.counts[index]!++;
    state.sum += value;
    state.count++;
  }

  collect(prefix: string, lines: string[]): void {
    this.header(lines);
    for (const { labels, state } of this.series.values()) {
      let cumulative = 0;
      for (let index = 0; index < this.bounds.length; index++) {
        cumulative += state.counts[index]!;
        lines.push(`${this.name}_bucket${joinLabels(prefix, labels, this.boundLabels[index])} ${cumulative}`);
      }
      lines.push(`${this.name}_bucket${joinLabels(prefix, labels, 'le="+Inf"')} ${state.count}`);
      lines.push(`${this.name}_sum${joinLabels(prefix, labels)} ${formatNumber(state.sum)}`);
      lines.push(`${this.name}_count${joinLabels(prefix, labels)} ${state.count}`);
    }
  }
}

/** Holds metric families and renders them; one per telemetry instance (never global). */
export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly prefix: string;

  constructor(options: { readonly defaultLabels?: Readonly<Record<string, string>> } = {}) {
    const defaults = Object.entries(options.defaultLabels ?? {});
    for (const [label] of defaults)
      if (!LABEL.test(label)) throw new TypeError(`invalid label name ${label}`);
    this.prefix = defaults.map(([label, value]) => `${label}="${escapeLabelValue(value)}"`).join(',');
  }

  private add<F extends Family>(family: F): F {
    if (this.families.has(family.name)) throw new TypeError(`metric ${family.name} registered twice`);
    this.families.set(family.name, family);
    return family;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): CounterFamily {
    return this.add(new CounterFamily(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): GaugeFamily {
    return this.add(new GaugeFamily(name, help, labelNames));
  }

  histogram(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ): HistogramFamily {
    return this.add(new HistogramFamily(name, help, labelNames, buckets));
  }

  describe(): { name: string; type: MetricType; help: string; labelNames: readonly string[] }[] {
    return [...this.families.values()].map(({ name, type, help, labelNames }) => ({
      name,
      type,
      help,
      labelNames,
    }));
  }

  /** The Prometheus text exposition. */
  render(): string {
    const lines: string[] = [];
    for (const family of this.families.values()) family.collect(this.prefix, lines);
    return `${lines.join('\n')}\n`;
  }
}
