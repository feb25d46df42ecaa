import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { createFakeEnvoy } from '../../test/fake-envoy/fake-envoy.js';
import { createFakeRouter } from '../../test/fake-envoy/fake-router.js';
import { createExtProcService } from '../create-ext-proc-service.js';
import { HEALTH_PROTO_FILE, PROTO_LOADER_OPTIONS, protoDirectory } from '../proto-definitions.js';
import { loadTlsDirectory, serveExtProc } from './serve.js';

function healthClient(address: string, credentials = grpc.credentials.createInsecure()) {
  const definition = loadSync(HEALTH_PROTO_FILE, {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [protoDirectory()],
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  return new loaded.grpc.health.v1.Health(address, credentials, {
    'grpc.ssl_target_name_override': 'localhost',
  }) as grpc.Client & Record<string, (...args: never[]) => unknown>;
}

function check(client: ReturnType<typeof healthClient>, service: string): Promise<{ status: string }> {
  return new Promise((resolve, reject) => {
    (
      client.Check as unknown as (
        request: object,
        callback: (error: Error | null, response: { status: string }) => void,
      ) => void
    )({ service }, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

const chatBody = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'math' }] });
const chatSpec = {
  request: {
    headers: {
      ':method': 'POST',
      ':path': '/v1/chat/completions',
      'content-length': String(chatBody.length),
    },
    body: chatBody,
  },
};
const buffered = {
  processingMode: { request_body_mode: 'BUFFERED', response_body_mode: 'BUFFERED' },
} as const;

describe('serveExtProc', () => {
  it('serves the health service, and reports NOT_SERVING while shutting down', async () => {
    const server = await serveExtProc({ router: createFakeRouter(), port: 0, host: '127.0.0.1' });
    const client = healthClient(`127.0.0.1:${server.port}`);
    expect(await check(client, '')).toEqual({ status: 'SERVING' });
    expect(await check(client, 'envoy.service.ext_proc.v3.ExternalProcessor')).toEqual({ status: 'SERVING' });
    await expect(check(client, 'nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    server.health?.setStatus('', 'NOT_SERVING');
    expect(await check(client, '')).toEqual({ status: 'NOT_SERVING' });
    client.close();
    await server.close({ graceMs: 100 });
  });

  it('drains open streams for the grace period, then forces them closed', async () => {
    const router = createFakeRouter();
    const server = await serveExtProc({ router, port: 0, host: '127.0.0.1' });
    const envoy = createFakeEnvoy({
      address: `127.0.0.1:${server.port}`,
      config: { ...buffered, messageTimeoutMs: 10_000 },
    });
    router.hold();
    const pending = envoy.exchange(chatSpec);
    while (router.routeCalls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await server.close({ graceMs: 300 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(3000);
    const result = await pending;
    expect(result.counters.streams_failed).toBe(1);
    router.release();
    envoy.close();
  });

  it('finishes in-flight streams within the grace period', async () => {
    const router = createFakeRouter();
    const server = await serveExtProc({ router, port: 0, host: '127.0.0.1' });
    const envoy = createFakeEnvoy({
      address: `127.0.0.1:${server.port}`,
      config: { ...buffered, messageTimeoutMs: 10_000 },
    });
    router.hold();
    const pending = envoy.exchange(chatSpec);
    while (router.routeCalls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const closing = server.close({ graceMs: 5000 });
    setTimeout(() => router.release(), 50);
    const result = await pending;
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers['x-selected-model']).toBe('math-model');
    await closing;
    envoy.close();
  });

  const openssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!openssl)(
    'serves TLS (skipped without an openssl binary to mint a test certificate)',
    async () => {
      const directory = mkdtempSync(join(tmpdir(), 'semroute-extproc-tls-'));
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          join(directory, 'key.pem'),
          '-out',
          join(directory, 'cert.pem'),
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost',
        ],
        { stdio: 'ignore' },
      );
      const cert = readFileSync(join(directory, 'cert.pem'));
      writeFileSync(join(directory, 'tls.crt'), cert);
      writeFileSync(join(directory, 'tls.key'), readFileSync(join(directory, 'key.pem')));
      expect(() => loadTlsDirectory(join(directory, 'missing'))).toThrow(/tls.crt and tls.key/);
      const server = await serveExtProc({
        router: createFakeRouter(),
        port: 0,
        host: '127.0.0.1',
        tls: loadTlsDirectory(directory),
      });
      const client = healthClient(`127.0.0.1:${server.port}`, grpc.credentials.createSsl(cert));
      expect(await check(client, '')).toEqual({ status: 'SERVING' });
      client.close();
      const plaintext = healthClient(`127.0.0.1:${server.port}`);
      await expect(check(plaintext, '')).rejects.toBeDefined();
      plaintext.close();
      await server.close({ graceMs: 100 });
    },
  );
});

describe('createExtProcService on a user-owned grpc-js server', () => {
  it('mounts with addToServer next to other services', async () => {
    const service = createExtProcService(createFakeRouter());
    const server = new grpc.Server();
    service.addToServer(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    const envoy = createFakeEnvoy({ address: `127.0.0.1:${port}`, config: buffered });
    const result = await envoy.exchange(chatSpec);
    expect(result.upstreamRequest?.headers['x-selected-model']).toBe('math-model');
    expect(service.stats().totalStreams).toBe(1);
    envoy.close();
    server.forceShutdown();
  });
});
