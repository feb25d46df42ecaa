import { deleteByPrefix } from '@semroute/cache/redis';
import { Redis } from 'ioredis';

/** Deletes every key under `prefix` (SCAN + DEL; never FLUSHALL). */
export async function deleteKeys(prefix: string, url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379') {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    await deleteByPrefix(client, prefix);
  } finally {
    client.disconnect();
  }
}

/** Counts the keys under `prefix`. */
export async function countKeys(prefix: string, url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379') {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    let cursor = '0';
    let count = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
    return count;
  } finally {
    client.disconnect();
  }
}
