/**
 * Starts the fake Milvus server and one real SDK client for a test file (registered with the
 * file's `beforeAll` / `afterAll`). Constructing a `MilvusClient` costs about a second (it builds
 * its protobuf roots), so tests share the client; stores do not close a client they were given.
 */
import { afterAll, beforeAll } from 'vitest';
import type { MilvusClientLike } from '../../src/milvus/create-milvus-vector-store.js';
import { type FakeMilvusServer, startFakeMilvus } from './fake-milvus-server.js';

export interface FakeMilvus {
  readonly server: FakeMilvusServer;
  readonly client: MilvusClientLike;
}

export function useFakeMilvus(): FakeMilvus {
  let server: FakeMilvusServer | undefined;
  let client: MilvusClientLike | undefined;
  beforeAll(async () => {
    server = await startFakeMilvus();
    const sdk = await import('@zilliz/milvus2-sdk-node');
    client = new sdk.MilvusClient({
      address: server.address,
      logLevel: 'error',
    }) as unknown as MilvusClientLike;
  });
  afterAll(async () => {
    await client?.closeConnection();
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('the fake Milvus server starts in beforeAll');
      return server;
    },
    get client() {
      if (!client) throw new Error('the Milvus client is created in beforeAll');
      return client;
    },
  };
}
