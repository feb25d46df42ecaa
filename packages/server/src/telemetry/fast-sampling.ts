/**
 * The sampler and id generator `createTracing()` gives its tracer provider. Both sit on every
 * request's path (the root span is started, and sampled or not, for every request), so they are
 * written for cost: measured against the SDK's `ParentBasedSampler(TraceIdRatioBasedSampler)`
 * and `RandomIdGenerator` in BENCHMARKS.md.
 *
 * @module
 */

import { randomFillSync } from 'node:crypto';
import {
  type Context,
  isSpanContextValid,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceFlags,
  trace,
} from '@opentelemetry/api';

const SAMPLED: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });
const NOT_SAMPLED: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });
/** 2^56: the trace id's rightmost 7 bytes (56 random bits) are compared against rate × 2^56. */
const RANDOM_RANGE = 2 ** 56;

/** The comparison threshold for {@link isTraceIdSampled} at `rate` (0–1). */
export function traceIdRatioThreshold(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`sampling rate must be within [0, 1], got ${rate}`);
  return rate * RANDOM_RANGE;
}

/**
 * Whether a new trace is sampled: its id's rightmost 56 bits (the randomness W3C Trace Context
 * level 2 guarantees) fall under the threshold, so services with the same rate keep the same traces.
 */
export function isTraceIdSampled(traceId: string, threshold: number): boolean {
  if (threshold >= RANDOM_RANGE) return true;
  if (threshold <= 0) return false;
  return Number.parseInt(traceId.slice(18), 16) < threshold;
}

/**
 * Parent-based sampling with a root ratio: a request that carries a valid parent (remote or
 * local) follows the parent's sampled flag; a new trace is sampled when its trace id's rightmost
 * 56 bits fall under `rate × 2^56` (the randomness W3C Trace Context level 2 guarantees and
 * OpenTelemetry's consistent probability sampling uses), so every service with the same rate
 * keeps the same traces. `rate` 1 samples every new trace, 0 none.
 */
export class ParentOrRatioSampler implements Sampler {
  readonly #threshold: number;
  constructor(readonly rate: number) {
    this.#threshold = traceIdRatioThreshold(rate);
  }
  shouldSample(context: Context, traceId: string): SamplingResult {
    const parent = trace.getSpanContext(context);
    if (parent && isSpanContextValid(parent))
      return parent.traceFlags & TraceFlags.SAMPLED ? SAMPLED : NOT_SAMPLED;
    return isTraceIdSampled(traceId, this.#threshold) ? SAMPLED : NOT_SAMPLED;
  }
  toString(): string {
    return `ParentOrRatioSampler{rate=${this.rate}}`;
  }
}

const POOL_BYTES = 8192;

/**
 * Trace and span ids from a pool of cryptographically random bytes refilled 8 KiB at a time
 * (the SDK's generator draws four `Math.random()` per id). The pool is turned into hex once per
 * refill and ids are substrings of it, which costs a fraction of one `toString('hex')` call per id.
 * Never returns the all-zero id.
 */
export class PooledIdGenerator {
  readonly #pool = Buffer.allocUnsafe(POOL_BYTES);
  #hex = '';
  /** Next unused hex digit in {@link #hex}. */
  #offset = POOL_BYTES * 2;

  #next(digits: number): string {
    if (this.#offset + digits > POOL_BYTES * 2) {
      randomFillSync(this.#pool);
      this.#hex = this.#pool.toString('hex');
      this.#offset = 0;
    }
    const start = this.#offset;
    this.#offset += digits;
    const id = this.#hex.slice(start, start + digits);
    // All zero is invalid in W3C Trace Context (probability 2^-64 or less): draw again.
    return id.charCodeAt(0) === 48 && /^0+$/.test(id) ? this.#next(digits) : id;
  }

  generateTraceId = (): string => this.#next(32);
  generateSpanId = (): string => this.#next(16);
}
