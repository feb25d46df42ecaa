/**
 * Core hot-path benchmark. Prints one JSON line per scenario:
 * `{"name", "unit": "us", "p50", "p99", "throughput", "iterations"}` (throughput = operations per
 * second on one core, from the mean). Run with `pnpm bench:core`.
 *
 * Scenarios match issue #2's targets: decision evaluation for 10 decisions × 3 conditions and
 * 100 decisions × 5 conditions (signal results given: the engine part the reference router
 * publishes as < 0.1 ms and < 0.5 ms), a keyword signal with 500 keywords over a 4 KB prompt,
 * and a full `route()` of the quickstart config (keyword signals, plugins, rendering).
 */
import { readFileSync } from 'node:fs';
import {
  buildSignalInput,
  compileRule,
  createKeywordSignal,
  createRouter,
  parseRouterConfig,
  type RuleCondition,
  rankDecisions,
  SignalSlots,
  type SlotResult,
} from '../src/index.js';

function measure(name: string, iterations: number, operation: () => unknown): void {
  for (let index = 0; index < Math.min(2000, iterations); index++) operation();
  const samples = new Float64Array(iterations);
  const started = process.hrtime.bigint();
  for (let index = 0; index < iterations; index++) {
    const before = process.hrtime.bigint();
    operation();
    samples[index] = Number(process.hrtime.bigint() - before) / 1000;
  }
  const totalSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  report(name, samples, iterations / totalSeconds);
}

async function measureAsync(
  name: string,
  iterations: number,
  operation: () => Promise<unknown>,
): Promise<void> {
  for (let index = 0; index < Math.min(500, iterations); index++) await operation();
  const samples = new Float64Array(iterations);
  const started = process.hrtime.bigint();
  for (let index = 0; index < iterations; index++) {
    const before = process.hrtime.bigint();
    await operation();
    samples[index] = Number(process.hrtime.bigint() - before) / 1000;
  }
  const totalSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  report(name, samples, iterations / totalSeconds);
}

function report(name: string, samples: Float64Array, throughput: number): void {
  const sorted = samples.slice().sort();
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))]!;
  console.log(
    JSON.stringify({
      name,
      unit: 'us',
      p50: Number(at(0.5).toFixed(3)),
      p99: Number(at(0.99).toFixed(3)),
      throughput: Math.round(throughput),
      iterations: samples.length,
    }),
  );
}

/** Deterministic pseudo-random source so every run evaluates the same trees. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function decisionScenario(decisionCount: number, conditionsPerDecision: number): () => unknown {
  const random = lcg(decisionCount * 31 + conditionsPerDecision);
  const slots = new SignalSlots();
  const signalCount = decisionCount * 2;
  const decisions = Array.from({ length: decisionCount }, (_, index) => {
    const leaves: RuleCondition[] = Array.from({ length: conditionsPerDecision }, () => ({
      type: 'keyword',
      name: `signal_${Math.floor(random() * signalCount)}`,
    }));
    // Mixed shapes: AND of (OR of two leaves) and the remaining leaves, one of them negated.
    const [first, second, ...rest] = leaves;
    const rule: RuleCondition = {
      operator: 'AND',
      conditions: [
        { operator: 'OR', conditions: [first!, second!] },
        ...rest.map((leaf, position) =>
          position === 0 ? { operator: 'NOT' as const, conditions: [leaf] } : leaf,
        ),
      ],
    };
    return {
      name: `decision_${index}`,
      priority: Math.floor(random() * 100),
      tier: undefined,
      compiled: compileRule(rule, slots),
    };
  });
  const results: SlotResult[] = slots.signals.map(() =>
    random() < 0.6
      ? { status: 'matched', confidence: 0.5 + random() / 2 }
      : { status: 'unmatched', confidence: 0 },
  );
  return () => {
    const matched: { name: string; priority: number; tier: undefined; confidence: number }[] = [];
    for (const decision of decisions) {
      const confidence = decision.compiled(results);
      if (confidence >= 0)
        matched.push({ name: decision.name, priority: decision.priority, tier: undefined, confidence });
    }
    return rankDecisions(matched, 'priority')[0];
  };
}

measure('decision-eval 10 decisions x 3 conditions', 200_000, decisionScenario(10, 3));
measure('decision-eval 100 decisions x 5 conditions', 50_000, decisionScenario(100, 5));

// 500 keywords (real-looking words) over a 4 KB prompt that contains a handful of them.
const vocabulary = Array.from({ length: 500 }, (_, index) => `keyword${index.toString(36)}term`);
const prompt =
  `${'Please review the following quarterly report and summarise the main risks for the board. '.repeat(44)} keyword1term keyword2sterm`.slice(
    0,
    4096,
  );
const keywordSignal = createKeywordSignal({
  name: 'big',
  operator: 'OR',
  keywords: vocabulary,
  case_sensitive: false,
  fuzzy_match: false,
  fuzzy_threshold: 2,
});
const keywordInput = buildSignalInput({ model: 'auto', messages: [{ role: 'user', content: prompt }] }, {});
measure('keyword-signal 500 keywords over 4 KB', 20_000, () => keywordSignal.extract(keywordInput, {}));

const config = parseRouterConfig(
  readFileSync(new URL('../../../examples/quickstart/keywords.yaml', import.meta.url), 'utf8'),
).config;
const router = await createRouter({ config });
const body = JSON.stringify({
  model: 'auto',
  messages: [
    { role: 'system', content: 'You are helpful.' },
    { role: 'user', content: 'Compute the derivative of x^3 step by step' },
  ],
});
await measureAsync('route() quickstart keyword config, JSON text body', 50_000, () =>
  router.route({ body, headers: { 'content-type': 'application/json' } }),
);
