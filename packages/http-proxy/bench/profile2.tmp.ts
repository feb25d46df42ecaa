import { spawn } from 'node:child_process';
import autocannon from 'autocannon';

const env = { ...process.env, TSX_TSCONFIG_PATH: '/work/wt-proxy/tsconfig.json' };
const start = (args: string[]) =>
  new Promise<{ port: number; kill: () => void }>((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    child.stdout!.on('data', (c: Buffer) => {
      const m = /READY (\d+)/.exec(c.toString());
      if (m) resolve({ port: Number(m[1]), kill: () => child.kill('SIGTERM') });
    });
  });
const sim = await start(['--import', 'tsx', 'bench/bench-servers.ts', 'sim', '0']);
const proxy = await start([
  '--cpu-prof',
  '--cpu-prof-dir=/tmp/prof',
  '--import',
  'tsx',
  'bench/bench-servers.ts',
  'semroute-keyword',
  String(sim.port),
]);
const body = JSON.stringify({
  model: 'auto',
  messages: [{ role: 'user', content: 'Compute the derivative of x^3 step by step' }],
});
const r = await autocannon({
  url: `http://127.0.0.1:${proxy.port}`,
  connections: 16,
  duration: 5,
  requests: [
    { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body },
  ],
});
console.log((r as unknown as { requests: { average: number } }).requests.average);
proxy.kill();
sim.kill();
await new Promise((res) => setTimeout(res, 1500));
