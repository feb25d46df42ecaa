/**
 * Windowed latency percentiles per model (`llm_model_latency_p{50,95,99}_windowed_seconds`):
 * each model keeps a fixed ring of its most recent completion latencies with their times, and the
 * percentiles over each time window are computed when `/metrics` is scraped. Recording is two
 * array writes; memory is bounded by `maxModels × maxSamples × 16` bytes, allocated per model on
 * first use. A window holds at most the `maxSamples` most recent completions, so under heavy
 * traffic long windows summarise the recent tail of the window rather than all of it.
 *
 * @module
 */

/** Parses `30s`, `5m`, `1h30m`, `250ms` into milliseconds; throws on anything else. */
export function parseDurationMs(text: string): number {
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let offset = 0;
  while (offset < text.length) {
    part.lastIndex = offset;
    const match = part.exec(text);
    if (!match) break;
    total += Number(match[1]) * unitMs[match[2]!]!;
    offset = part.lastIndex;
  }
  if (text.length === 0 || offset !== text.length || !(total > 0))
    throw new TypeError(`invalid duration "${text}": use e.g. 30s, 5m, 1h or 1h30m`);
  return total;
}

export interface WindowedLatencyOptions {
  /** Window labels as configured (`1m`, `5m`, …); they become the `time_window` label. */
  readonly timeWindows: readonly string[];
  /** Models tracked at most; completions of further models are not tracked. */
  readonly maxModels: number;
  /** Most recent completions kept per model. */
  readonly maxSamples: number;
  /** Milliseconds clock (default `performance.now()`). */
  readonly now?: () => number;
}

export interface WindowedPercentiles {
  readonly model: string;
  readonly timeWindow: string;
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

class LatencyRing {
  readonly values: Float64Array;
  readonly times: Float64Array;
  /** Index the next sample is written to. */
  next = 0;
  size = 0;
  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
  }
  push(value: number, time: number): void {
    this.values[this.next] = value;
    this.times[this.next] = time;
    this.next = (this.next + 1) % this.values.length;
    if (this.size < this.values.length) this.size++;
  }
}

/** Linear interpolation between closest ranks, on ascending `sorted`. */
function percentile(sorted: Float64Array, fraction: number): number {
  const position = fraction * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

export class WindowedLatency {
  readonly #rings = new Map<string, LatencyRing>();
  readonly #windows: readonly { readonly label: string; readonly ms: number }[];
  readonly #maxModels: number;
  readonly #maxSamples: number;
  readonly #now: () => number;
  readonly #scratch: Float64Array;

  constructor(options: WindowedLatencyOptions) {
    if (options.timeWindows.length === 0)
      throw new TypeError('windowed metrics need at least one time window');
    if (!(options.maxModels >= 1) || !(options.maxSamples >= 1))
      throw new TypeError('windowed metrics need maxModels and maxSamples of at least 1');
    this.#windows = options.timeWindows.map((label) => ({ label, ms: parseDurationMs(label) }));
    this.#maxModels = options.maxModels;
    this.#maxSamples = options.maxSamples;
    this.#now = options.now ?? (() => performance.now());
    this.#scratch = new Float64Array(options.maxSamples);
  }

  /** Records one completion latency (seconds) for `model`. */
  record(model: string, seconds: number): void {
    if (!(seconds >= 0)) return;
    let ring = this.#rings.get(model);
    if (!ring) {
      if (this.#rings.size >= this.#maxModels) return;
      ring = new LatencyRing(this.#maxSamples);
      this.#rings.set(model, ring);
    }
    ring.push(seconds, this.#now());
  }

  /** Percentiles per model and window; windows without samples are left out. */
  snapshot(): WindowedPercentiles[] {
    const now = this.#now();
    const out: WindowedPercentiles[] = [];
    for (const [model, ring] of this.#rings) {
      for (const window of this.#windows) {
        const cutoff = now - window.ms;
        let count = 0;
        // Newest first: samples are in time order, so stop at the first one outside the window.
        for (let seen = 0; seen < ring.size; seen++) {
          const index = (ring.next - 1 - seen + ring.values.length) % ring.values.length;
          if (ring.times[index]! < cutoff) break;
          this.#scratch[count++] = ring.values[index]!;
        }
        if (count === 0) continue;
        const sorted = this.#scratch.subarray(0, count).sort();
        out.push({
          model,
          timeWindow: window.label,
          count,
          p50: percentile(sorted, 0.5),
          p95: percentile(sorted, 0.95),
          p99: percentile(sorted, 0.99),
        });
      }
    }
    return out;
  }
}
