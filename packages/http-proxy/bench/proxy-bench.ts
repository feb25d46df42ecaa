/**
 * Proxy benchmark: requests/s, added latency p50/p99 over calling the simulated backend
 * directly, and CPU time per request of the proxy process, at 1, 16 and 128 connections on
 * loopback. Targets, all measured in the same run and the same way: the backend directly, a
 * minimal undici pass-through proxy (the ceiling), @portkey-ai/gateway (--headless), and the
 * semroute proxy with keyword-only routing and with the quickstart's default signals.
 *
 * autocannon generates the load; each response is timed here with hrtime (autocannon's own
 * latencies have 1 ms resolution). All targets run side by side and are measured interleaved per
 * connection level; each gets a 3 s warm-up at 16 connections, then a 1 s warm-up per row. One
 * JSON line per scenario on stdout.
 *
 * Usage: pnpm --filter @semroute/http-proxy bench [--duration=3] [--connections=1,16,128]
 *        [--targets=direct,minimal,portkey,semroute-keyword,semroute-default]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key!, value ?? 'true'];
  }),
);
const DURATION = Number(args.duration ?? 3);
const CONNECTIONS = (args.connections ?? '1,16,128').split(',').map(Number);
const TARGETS = (args.targets ?? 'direct,minimal,portkey,semroute-keyword,semroute-default').split(',');
const SERVERS = fileURLToPath(new URL('./bench-servers.ts', import.meta.url));
const ROOT_TSCONFIG = fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));
const PORTKEY = fileURLToPath(
  new URL('../node_modules/@portkey-ai/gateway/build/start-server.js', import.meta.url),
);
const children: ChildProcess[] = [];

interface Server {
  readonly port: number;
  readonly pid: number;
}

function startServerProcess(kind: string, upstreamPort: number): Promise<Server> {
  // The root tsconfig maps @semroute/* to src, so nothing needs building first.
  const child = spawn(process.execPath, ['--import', 'tsx', SERVERS, kind, String(upstreamPort)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TSX_TSCONFIG_PATH: ROOT_TSCONFIG },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /READY (\d+)/.exec(output);
      if (match) resolve({ port: Number(match[1]), pid: child.pid! });
    });
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startPortkey(): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [PORTKEY, `--port=${port}`, '--headless'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  children.push(child);
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      if (response.ok) return { port, pid: child.pid! };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('portkey gateway did not start');
}

/** utime + stime of a process, ms (from /proc; 10 ms ticks). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface LoadResult {
  requests: number;
  errors: number;
  throughput: number;
  p50: number;
  p99: number;
}

async function load(
  port: number,
  headers: Record<string, string>,
  body: string,
  connections: number,
  duration: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    pipelining: 1,
    requests: [
      {
        method: 'POST',
        path: '/v1/chat/completions',
        headers,
        body,
        setupRequest: (request: unknown, context: Record<string, unknown>) => {
          context.start = process.hrtime.bigint();
          return request as never;
        },
        onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
          latencies.push(Number(process.hrtime.bigint() - (context.start as bigint)) / 1e6);
          if (status !== 200) errors++;
        },
      },
    ],
  });
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const requests = latencies.length;
  return {
    requests,
    errors: errors + (result as { errors: number }).errors,
    throughput: Math.round(requests / duration),
    p50: Number(at(0.5).toFixed(3)),
    p99: Number(at(0.99).toFixed(3)),
  };
}

async function main(): Promise<void> {
  const sim = await startServerProcess('sim', 0);
  const prompt = 'Compute the derivative of x^3 step by step';
  const request = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: prompt }] });
  const json = { 'content-type': 'application/json' };
  const targets: Record<
    string,
    () => Promise<{ server: Server; headers: Record<string, string>; body: string }>
  > = {
    direct: async () => ({ server: sim, headers: json, body: request('math-expert') }),
    minimal: async () => ({
      server: await startServerProcess('minimal', sim.port),
      headers: json,
      body: request('auto'),
    }),
    portkey: async () => ({
      server: await startPortkey(),
      headers: {
        ...json,
        authorization: 'Bearer sk-bench',
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `http://127.0.0.1:${sim.port}/v1`,
      },
      body: request('math-expert'),
    }),
    'semroute-keyword': async () => ({
      server: await startServerProcess('semroute-keyword', sim.port),
      headers: json,
      body: request('auto'),
    }),
    'semroute-default': async () => ({
      server: await startServerProcess('semroute-default', sim.port),
      headers: json,
      body: request('auto'),
    }),
  };
  const machine = { node: process.version, cpus: (await import('node:os')).cpus().length };
  // Start every target first and measure them interleaved per connection level, so that load
  // from other processes on a shared machine hits all of them alike.
  const started: Array<{ name: string; server: Server; headers: Record<string, string>; body: string }> = [];
  for (const name of TARGETS) {
    const target = await targets[name]!();
    // Let the JIT settle before the first measured row (the same for every target).
    await load(target.server.port, target.headers, target.body, 16, 3);
    started.push({ name, ...target });
  }
  for (const connections of CONNECTIONS) {
    let baseline: LoadResult | undefined;
    for (const { name, server, headers, body } of started) {
      await load(server.port, headers, body, connections, 1); // warm-up
      const before = cpuMs(server.pid);
      const result = await load(server.port, headers, body, connections, DURATION);
      const cpu = cpuMs(server.pid) - before;
      if (name === 'direct') baseline = result;
      const line = {
        name: `${name}@${connections}`,
        target: name,
        connections,
        p50: result.p50,
        p99: result.p99,
        throughput: result.throughput,
        addedP50: baseline ? Number((result.p50 - baseline.p50).toFixed(3)) : null,
        addedP99: baseline ? Number((result.p99 - baseline.p99).toFixed(3)) : null,
        cpuUsPerRequest: result.requests > 0 ? Math.round((cpu * 1000) / result.requests) : null,
        requests: result.requests,
        errors: result.errors,
        ...machine,
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  }
}

main()
  .catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill();
  });
