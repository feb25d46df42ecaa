import { ClassifierError } from '@semroute/core';
import { describe, expect, it } from 'vitest';
import { createBatchQueue } from './batch-queue.js';

const queueFor = (
  options: { maxBatchSize?: number; maxQueueSize?: number; maxWaitMs?: number; delayMs?: number } = {},
) => {
  const calls: string[][] = [];
  const queue = createBatchQueue<string, string>({
    backend: 'test',
    modelId: 'echo',
    ...options,
    run: async (inputs) => {
      calls.push([...inputs]);
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      return inputs.map((input) => input.toUpperCase());
    },
  });
  return { queue, calls };
};

describe('createBatchQueue', () => {
  it('shares one run among concurrent requests and keeps the order of results', async () => {
    const { queue, calls } = queueFor();
    const results = await Promise.all(['a', 'b', 'c'].map((text) => queue.push(text)));
    expect(results).toEqual(['A', 'B', 'C']);
    expect(calls).toEqual([['a', 'b', 'c']]);
  });

  it('splits at maxBatchSize and gathers requests that arrive while a batch runs', async () => {
    const { queue, calls } = queueFor({ maxBatchSize: 2, delayMs: 5 });
    const first = queue.push('a');
    await new Promise((resolve) => setImmediate(resolve));
    const rest = ['b', 'c', 'd'].map((text) => queue.push(text));
    await Promise.all([first, ...rest]);
    expect(calls).toEqual([['a'], ['b', 'c'], ['d']]);
    expect(queue.stats).toEqual({ batches: 3, items: 4 });
  });

  it('rejects with an overloaded ClassifierError when the queue is full (back-pressure)', async () => {
    const { queue } = queueFor({ maxQueueSize: 2, delayMs: 5 });
    const accepted = [queue.push('a'), queue.push('b')];
    const error = await queue.push('c').catch((caught: unknown) => caught);
    expect(ClassifierError.isInstance(error)).toBe(true);
    expect((error as ClassifierError).code).toBe('overloaded');
    await expect(Promise.all(accepted)).resolves.toEqual(['A', 'B']);
  });

  it('drops a request whose signal aborts before its batch runs', async () => {
    const { queue, calls } = queueFor({ maxWaitMs: 20 });
    const controller = new AbortController();
    const aborted = queue.push('a', { signal: controller.signal });
    const kept = queue.push('b');
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
    await expect(kept).resolves.toBe('B');
    expect(calls).toEqual([['b']]);
  });

  it('passes run failures to every request of the batch and rejects after close', async () => {
    const queue = createBatchQueue<string, string>({
      backend: 'test',
      modelId: 'broken',
      run: async () => Promise.reject(new Error('boom')),
    });
    await expect(Promise.all([queue.push('a'), queue.push('b')])).rejects.toThrow('boom');
    queue.close();
    queue.close();
    await expect(queue.push('c')).rejects.toMatchObject({ code: 'classifier_failed' });
  });
});
