/**
 * Telemetry overhead: routing throughput with metrics and tracing on vs off.
 *
 * Throughput is CPU-bound capacity, 1e6 / (CPU µs per request) of the process doing the routing
 * (`process.cpuUsage`, user + system), because wall-clock throughput on a shared machine
 * measures the neighbours' load, not ours.
 *
 * Quickstart config (4 keyword signals + 1 context signal, plugins). Each request does what a
 * host does: `startRequest` (W3C context from the headers), `route()`, `recordRoute`,
 * `startUpstream` (the traceparent for the upstream call) and its `end`, and `end`.
 * Measurements:
 *   - CPU per request of the telemetry calls alone over recorded outcomes, and of `route()`
 *     alone: the most stable figures on a noisy machine; the overhead at each level is then
 *     telemetry / (level + telemetry);
 *   - A/B in-process `route()` loop (the router alone: the harshest ratio);
 *   - A/B over an HTTP host on node:http that parses the request, routes it and answers the routed body
 *     (what a proxy does before going upstream), loaded by 32 keep-alive connections from a
 *     child process (`load-generator.mjs`), so the host process's CPU time is the host's alone.
 * Variants: off; metrics; metrics + tracing at always_on (caller sends a sampled traceparent)
 * with the default span model (`signal_spans: learned`) and with a span per signal
 * (`signal_spans: all`); metrics + tracing with a 10 %, 1 % or 0 % ratio sampler and no incoming
 * trace (0 %: the cost of the unsampled path alone). A last line derives the sampling rate at
 * which metrics + tracing cost 5 % of the HTTP host.
 *
 * Export is the real pipeline. Tracing variants use the builtin pipeline (createTracing's default:
 * spans encoded to OTLP protobuf as they end, batched, posted over OTLP/HTTP) unless named "sdk
 * pipeline" (the SDK's BatchSpanProcessor with createTracing's limits and the OTLP/HTTP JSON
 * exporter). Both post to a collector stand-in in a child process (`otlp-sink.mjs`, which counts
 * what it receives), so serialisation and the HTTP client are paid by the host as in production,
 * and the collector's CPU is not. Spans a pipeline dropped are counted from the OpenTelemetry diag
 * log and reported with the spans the sink received.
 *
 * Rounds alternate the variant order so machine noise hits each alike; figures are the median
 * round. One JSON line per scenario: name, p50 and p99 wall latency (µs; noisy), throughput
 * (requests per CPU second), and overheadPercent (throughput cost vs off at the same level).
 *
 * Env: BENCH_ROUNDS (default 7), BENCH_ROUND_MS (default 1000), BENCH_CONFIG (`keywords`, the
 * default, or `learned`: the full quickstart with the default models).
 */

import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DiagLogLevel, diag } from '@opentelemetry/api';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1000);
const PROMPTS = [
  'Compute the derivative of x^3 step by step',
  'Does the defendant owe damages under the contract?',
  'Write a haiku about the sea',
  'Prove the theorem about prime numbers, show your work',
];
const SAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const { createRouter, parseRouterConfig } = await import('@semroute/core');
  const { createRouterTelemetry, createTracing } = await import('../src/index.js');
  type Telemetry = ReturnType<typeof createRouterTelemetry>;
  type Router = Awaited<ReturnType<typeof createRouter>>;

  // BENCH_CONFIG=learned routes with the full quickstart (domain, jailbreak, PII, embedding
  // signals on the default models, built into ./models if missing): the routing `semroute start`
  // does, where a request costs ~1–2 ms of CPU instead of the keyword config's ~15 µs.
  const learned = process.env.BENCH_CONFIG === 'learned';
  const configPath = fileURLToPath(
    new URL(`../../../examples/quickstart/${learned ? 'config.yaml' : 'keywords.yaml'}`, import.meta.url),
  );
  const config = parseRouterConfig(readFileSync(configPath, 'utf8')).config;
  const signalProviders = [];
  if (learned) {
    const { buildDefaultModels, createClassifierSignalProvider } = await import('@semroute/classifiers');
    const modelsDir = fileURLToPath(new URL('../../../models', import.meta.url));
    await buildDefaultModels({ modelsDir });
    signalProviders.push(createClassifierSignalProvider({ modelsDir }));
  }
  const router: Router = await createRouter({ config, signalProviders });
  // The collector stand-in, one URL path per variant so its counts tell the variants apart.
  const sink = fork(fileURLToPath(new URL('./otlp-sink.mjs', import.meta.url)), [], { execArgv: [] });
  const sinkPort = await new Promise<number>((resolve) =>
    sink.once('message', (message) => resolve((message as { port: number }).port)),
  );
  let droppedSpans = 0;
  let exportErrors = 0;
  let firstExportError: string | undefined;
  diag.setLogger(
    {
      warn: (message: string) => {
        const dropped = /Dropped (\d+) spans/.exec(message);
        if (dropped) droppedSpans += Number(dropped[1]);
      },
      // Export failures lose spans the sink then never counts: report them, not hide them.
      error: (message: string, ...args: unknown[]) => {
        exportErrors++;
        if (exportErrors === 1) firstExportError = `${message} ${args.map(String).join(' ')}`.slice(0, 300);
      },
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  const tracings: Awaited<ReturnType<typeof createTracing>>[] = [];
  const tracingByTracer = new Map<unknown, Awaited<ReturnType<typeof createTracing>>>();
  async function tracer(
    path: string,
    sampling: { type: 'probabilistic'; rate: number } | undefined,
    pipeline: 'builtin' | 'sdk',
  ) {
    const tracing = await createTracing({
      otlpEndpoint: `http://127.0.0.1:${sinkPort}/${path}/v1/traces`,
      pipeline,
      ...(sampling ? { sampling } : {}),
    });
    tracings.push(tracing);
    tracingByTracer.set(tracing.tracer!, tracing);
    return tracing.tracer!;
  }

  interface Variant {
    readonly name: string;
    readonly telemetry: Telemetry | undefined;
    /** Whether the caller sends a sampled traceparent. */
    readonly traced: boolean;
    /** The sink path its spans go to. */
    readonly path?: string;
    /** Its tracer, to flush the matching provider. */
    readonly tracer?: unknown;
    /** Sampling rate of new traces (absent: always_on). */
    readonly rate?: number;
  }
  async function tracedVariant(
    name: string,
    path: string,
    options: {
      readonly rate?: number;
      readonly signalSpans?: 'all' | 'learned';
      readonly pipeline?: 'builtin' | 'sdk';
    } = {},
  ): Promise<Variant> {
    const variantTracer = await tracer(
      path,
      options.rate !== undefined ? { type: 'probabilistic', rate: options.rate } : undefined,
      options.pipeline ?? 'builtin',
    );
    return {
      name,
      telemetry: createRouterTelemetry({
        config: () => config,
        tracer: variantTracer,
        ...(options.signalSpans ? { signalSpans: options.signalSpans } : {}),
      }),
      // always_on: the caller sends a sampled traceparent; sampled variants start new traces.
      traced: options.rate === undefined,
      path,
      tracer: variantTracer,
      ...(options.rate !== undefined ? { rate: options.rate } : {}),
    };
  }
  const variants: Variant[] = [
    { name: 'telemetry off', telemetry: undefined, traced: true },
    { name: 'metrics', telemetry: createRouterTelemetry({ config: () => config }), traced: true },
    await tracedVariant('metrics + tracing always_on (signal_spans learned)', 'always-on'),
    await tracedVariant('metrics + tracing always_on (signal_spans learned, sdk pipeline)', 'always-on-sdk', {
      pipeline: 'sdk',
    }),
    await tracedVariant('metrics + tracing always_on (signal_spans all)', 'always-on-all', {
      signalSpans: 'all',
    }),
    await tracedVariant('metrics + tracing 10% sampled', 'sampled-10', { rate: 0.1 }),
    await tracedVariant('metrics + tracing 0% sampled (the unsampled path)', 'sampled-0', { rate: 0 }),
    await tracedVariant('metrics + tracing 1% sampled', 'sampled-1', { rate: 0.01 }),
  ];
  /** Requests each variant handled, to report exported spans per request. */
  const handled = new Map<string, number>();

  async function handle(body: unknown, headers: Record<string, string>, variant: Variant) {
    const telemetry = variant.telemetry;
    const request = telemetry?.startRequest({ headers });
    const outcome = await router.route({ body, headers });
    if (telemetry && request) {
      telemetry.recordRoute(outcome, { request });
      // What a host does before its upstream call: the traceparent to send, and the span's end.
      const upstream = request.startUpstream({ model: outcome.explanation.model ?? 'unknown' });
      upstream.end({ status: 200 });
      request.end({ status: 200 });
      handled.set(variant.name, (handled.get(variant.name) ?? 0) + 1);
    }
    return outcome;
  }

  function report(name: string, latencies: number[], throughputs: number[], baseline?: number): number {
    const sorted = [...latencies].sort((a, b) => a - b);
    const throughput = median(throughputs);
    console.log(
      JSON.stringify({
        name,
        p50: Number(percentile(sorted, 50).toFixed(1)),
        p99: Number(percentile(sorted, 99).toFixed(1)),
        throughput: Math.round(throughput),
        ...(baseline !== undefined
          ? { overheadPercent: Number((((baseline - throughput) / baseline) * 100).toFixed(2)) }
          : {}),
      }),
    );
    return throughput;
  }

  const telemetryCost = new Map<string, number>();
  /** CPU µs per request of the HTTP host with telemetry off (set by the HTTP level). */
  let httpOffMicros: number | undefined;

  /** Runs `work` and returns the CPU-bound throughput: requests per CPU second of this process. */
  async function measured(
    work: () => Promise<{ count: number; latencies: number[] }>,
  ): Promise<{ throughput: number; latencies: number[] }> {
    const before = process.cpuUsage();
    const { count, latencies } = await work();
    const used = process.cpuUsage(before);
    return { throughput: count / ((used.user + used.system) / 1e6), latencies };
  }

  async function runLevel(
    level: string,
    round: (variant: Variant) => Promise<{ throughput: number; latencies: number[] }>,
  ): Promise<void> {
    for (const variant of variants) await round(variant); // warm-up
    const results = new Map(
      variants.map((variant) => [variant.name, { latencies: [] as number[], throughputs: [] as number[] }]),
    );
    for (let index = 0; index < ROUNDS; index++)
      for (const variant of index % 2 ? [...variants].reverse() : variants) {
        const result = await round(variant);
        const slot = results.get(variant.name)!;
        slot.throughputs.push(result.throughput);
        slot.latencies.push(...result.latencies);
      }
    let baseline: number | undefined;
    for (const variant of variants) {
      const slot = results.get(variant.name)!;
      const throughput = report(`${level}, ${variant.name}`, slot.latencies, slot.throughputs, baseline);
      baseline ??= throughput;
      if (level.startsWith('HTTP')) httpOffMicros = 1e6 / baseline;
      if (variant.telemetry && telemetryCost.has(variant.name)) {
        // Host capacity with this variant's telemetry added to the measured off-cost per request.
        const hostMicros = 1e6 / baseline;
        const micros = telemetryCost.get(variant.name)!;
        console.log(
          JSON.stringify({
            name: `${level}, ${variant.name}, from CPU costs (host off + telemetry alone)`,
            p50: Number((hostMicros + micros).toFixed(2)),
            p99: null,
            throughput: Math.round(1e6 / (hostMicros + micros)),
            overheadPercent: Number(((micros / (hostMicros + micros)) * 100).toFixed(2)),
          }),
        );
      }
    }
  }

  // 1. Telemetry calls alone over recorded outcomes: the most stable figure on a noisy machine.
  const outcomes = await Promise.all(
    PROMPTS.map((content) =>
      router.route({
        body: { model: 'auto', messages: [{ role: 'user', content }] },
        headers: { traceparent: SAMPLED },
      }),
    ),
  );
  async function cpuPerCall(
    iterations: number,
    call: (index: number) => unknown,
    flush?: { readonly every: number; readonly run: () => Promise<void> },
  ): Promise<number[]> {
    const perRound: number[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      const before = process.cpuUsage();
      for (let index = 0; index < iterations; index++) {
        const result = call(index);
        if (result instanceof Promise) await result;
        // Let the span exporter's I/O run, as it would between requests.
        if (index % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
        // This loop produces spans faster than one exporter sends them; exporting every ~3,000
        // spans keeps the queue from overflowing, so every span's export is paid for here.
        if (flush && index % flush.every === flush.every - 1) await flush.run();
      }
      const used = process.cpuUsage(before);
      if (round > 0) perRound.push((used.user + used.system) / iterations); // round 0 warms up
    }
    return perRound;
  }
  function costLine(name: string, perRound: number[]): number {
    const micros = median(perRound);
    console.log(
      JSON.stringify({
        name,
        p50: Number(micros.toFixed(2)),
        p99: Number(Math.max(...perRound).toFixed(2)),
        throughput: Math.round(1e6 / micros),
        unit: 'µs CPU per request',
      }),
    );
    return micros;
  }
  const droppedBefore = droppedSpans;
  for (const variant of variants.slice(1)) {
    const telemetry = variant.telemetry!;
    const headers: Record<string, string> = variant.traced ? { traceparent: SAMPLED } : {};
    const tracing = variant.tracer ? tracingByTracer.get(variant.tracer) : undefined;
    const perRound = await cpuPerCall(
      20_000,
      (index) => {
        const request = telemetry.startRequest({ headers });
        telemetry.recordRoute(outcomes[index % outcomes.length]!, { request });
        request.startUpstream({ model: 'math-expert' }).end({ status: 200 });
        request.end({ status: 200 });
        handled.set(variant.name, (handled.get(variant.name) ?? 0) + 1);
      },
      // About 3,000 spans per flush: 500 requests at always_on, 5,000 at 10 %; at 1 % and 0 % the
      // processor's own schedule keeps up.
      tracing && variant.rate !== 0 && (variant.rate ?? 1) >= 0.1
        ? { every: Math.round(500 / (variant.rate ?? 1)), run: () => tracing.forceFlush() }
        : undefined,
    );
    telemetryCost.set(variant.name, costLine(`telemetry calls alone, ${variant.name}`, perRound));
  }
  console.log(
    JSON.stringify({
      name: 'spans dropped while measuring the telemetry calls alone',
      droppedSpans: droppedSpans - droppedBefore,
    }),
  );
  const routeMicros = costLine(
    'route() alone',
    await cpuPerCall(10_000, (index) =>
      router.route({
        body: { model: 'auto', messages: [{ role: 'user', content: PROMPTS[index % PROMPTS.length] }] },
        headers: { traceparent: SAMPLED },
      }),
    ),
  );
  for (const [name, micros] of telemetryCost)
    console.log(
      JSON.stringify({
        name: `route() + telemetry, ${name}, from CPU costs`,
        p50: Number((routeMicros + micros).toFixed(2)),
        p99: null,
        throughput: Math.round(1e6 / (routeMicros + micros)),
        overheadPercent: Number(((micros / (routeMicros + micros)) * 100).toFixed(2)),
      }),
    );

  // 2. A/B in-process loop, CPU-bound throughput.
  await runLevel('route() in-process A/B', (variant) =>
    measured(async () => {
      const headers: Record<string, string> = variant.traced ? { traceparent: SAMPLED } : {};
      const latencies: number[] = [];
      const started = performance.now();
      let count = 0;
      while (performance.now() - started < ROUND_MS) {
        const t0 = performance.now();
        await handle(
          { model: 'auto', messages: [{ role: 'user', content: PROMPTS[count % PROMPTS.length] }] },
          headers,
          variant,
        );
        latencies.push((performance.now() - t0) * 1000);
        count++;
      }
      return { count, latencies };
    }),
  );

  // 3. A/B over HTTP.
  let current = variants[0]!;
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(incoming.headers))
        if (typeof value === 'string') headers[name] = value;
      handle(Buffer.concat(chunks), headers, current).then((outcome) => {
        outgoing.writeHead(200, { 'content-type': 'application/json' });
        outgoing.end(outcome.type === 'upstream' ? outcome.bodyText : outcome.body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const generator = fork(
    fileURLToPath(new URL('./load-generator.mjs', import.meta.url)),
    [String((server.address() as AddressInfo).port), JSON.stringify(PROMPTS), SAMPLED],
    { execArgv: [] },
  );
  await runLevel('HTTP host A/B (parse, route, answer)', (variant) => {
    current = variant;
    return measured(
      () =>
        new Promise((resolve) => {
          generator.once('message', (message) => resolve(message as { count: number; latencies: number[] }));
          generator.send({ ms: ROUND_MS, traced: variant.traced });
        }),
    );
  });
  generator.kill();
  server.close();
  // The sampling rate at which metrics + tracing cost 5 % of the HTTP host's throughput, from the
  // CPU costs: telemetry T(rate) = U + rate × (traced − U), where U is the unsampled path
  // (metrics included) and a traced request costs U + (T(10 %) − U) / 0.1 (measured at 10 %, where
  // the exporter keeps up; at always_on it may drop spans, which would understate the cost).
  // 5 % of throughput means T ≤ host × 5 / 95.
  const hostOff = httpOffMicros;
  const unsampled = telemetryCost.get('metrics + tracing 0% sampled (the unsampled path)');
  const tenPercent = telemetryCost.get('metrics + tracing 10% sampled');
  if (hostOff !== undefined && unsampled !== undefined && tenPercent !== undefined) {
    const tracedExtra = (tenPercent - unsampled) / 0.1;
    const budget = (hostOff * 5) / 95;
    console.log(
      JSON.stringify({
        name: 'sampling rate for 5 % of the HTTP host (metrics + tracing, from CPU costs)',
        p50: null,
        p99: null,
        throughput: null,
        hostMicrosPerRequest: Number(hostOff.toFixed(2)),
        unsampledPathMicros: Number(unsampled.toFixed(2)),
        tracedRequestExtraMicros: Number(tracedExtra.toFixed(2)),
        rate: Number(Math.max(0, (budget - unsampled) / tracedExtra).toFixed(4)),
      }),
    );
  }
  for (const tracing of tracings) await tracing.forceFlush();
  sink.send('count');
  const received = await new Promise<Record<string, number>>((resolve) =>
    sink.once('message', (message) => resolve((message as { spans: Record<string, number> }).spans)),
  );
  for (const variant of variants) {
    if (!variant.path) continue;
    const spans = received[`/${variant.path}/v1/traces`] ?? 0;
    const requests = handled.get(variant.name) ?? 0;
    console.log(
      JSON.stringify({
        name: `spans exported, ${variant.name}`,
        p50: null,
        p99: null,
        throughput: null,
        requests,
        spansReceivedBySink: spans,
        spansPerRequest: Number((spans / Math.max(1, requests)).toFixed(3)),
      }),
    );
  }
  console.log(JSON.stringify({ name: 'spans dropped by the batch processors', droppedSpans }));
  console.log(
    JSON.stringify({
      name: 'OpenTelemetry errors (failed exports lose spans)',
      errors: exportErrors,
      ...(firstExportError ? { first: firstExportError } : {}),
    }),
  );
  sink.disconnect();
  for (const tracing of tracings) await tracing.shutdown();
  await router.close();
}

await main();
