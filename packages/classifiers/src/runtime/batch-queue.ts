/**
 * Micro-batching queue, one per model: concurrent requests share one inference call instead of
 * queueing behind a global lock (the reference router's mutex, its issue #116). Idle: a request
 * runs at the next tick (plus `maxWaitMs` if set). Busy: requests gather while the current batch
 * runs and go together, up to `maxBatchSize`. Full (`maxQueueSize` waiting): new requests are
 * rejected at once with an `overloaded` error (back-pressure) rather than queueing unboundedly.
 *
 * @module
 */
import { ClassifierError } from '@semroute/core';

export interface BatchQueueOptions<Input, Output> {
  /** Runs one batch; must resolve one output per input, in order. */
  readonly run: (inputs: readonly Input[]) => Promise<readonly Output[]>;
  /** Largest batch per call (default 32). */
  readonly maxBatchSize?: number;
  /** Extra time to wait for more requests once one arrives, in ms (default 0: next tick). */
  readonly maxWaitMs?: number;
  /** Most requests waiting (not running) before new ones are rejected (default 1024). */
  readonly maxQueueSize?: number;
  /** Batches allowed in flight at once (default 1). */
  readonly maxConcurrency?: number;
  /** For errors. */
  readonly backend: string;
  readonly modelId: string;
}

export interface BatchQueue<Input, Output> {
  /** Queues one input; resolves with its output. Rejects with `ClassifierError` (`overloaded`, `aborted`). */
  push(input: Input, options?: { readonly signal?: AbortSignal }): Promise<Output>;
  /** Requests waiting, not yet running. */
  readonly waiting: number;
  /** Batches run so far and inputs they held (for tests and benchmarks). */
  readonly stats: { readonly batches: number; readonly items: number };
  /** Rejects everything still waiting; later pushes reject. Idempotent. */
  close(): void;
}

interface Pending<Input, Output> {
  readonly input: Input;
  readonly resolve: (output: Output) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

export function createBatchQueue<Input, Output>(
  options: BatchQueueOptions<Input, Output>,
): BatchQueue<Input, Output> {
  const maxBatchSize = Math.max(1, options.maxBatchSize ?? 32);
  const maxWaitMs = Math.max(0, options.maxWaitMs ?? 0);
  const maxQueueSize = Math.max(1, options.maxQueueSize ?? 1024);
  const maxConcurrency = Math.max(1, options.maxConcurrency ?? 1);
  const queue: Pending<Input, Output>[] = [];
  let inFlight = 0;
  let scheduled = false;
  let closed = false;
  const stats = { batches: 0, items: 0 };

  const error = (message: string, code: 'overloaded' | 'aborted' | 'classifier_failed') =>
    new ClassifierError({ message, code, backend: options.backend, modelId: options.modelId });

  const detach = (item: Pending<Input, Output>) => {
    if (item.signal && item.onAbort) item.signal.removeEventListener('abort', item.onAbort);
  };

  const flush = () => {
    scheduled = false;
    while (inFlight < maxConcurrency && queue.length > 0) {
      const batch = queue.splice(0, maxBatchSize);
      for (const item of batch) detach(item);
      inFlight++;
      stats.batches++;
      stats.items += batch.length;
      options
        .run(batch.map((item) => item.input))
        .then(
          (outputs) => {
            if (outputs.length !== batch.length) {
              const failure = error(
                `batch returned ${outputs.length} outputs for ${batch.length} inputs`,
                'classifier_failed',
              );
              for (const item of batch) item.reject(failure);
              return;
            }
            for (const [index, item] of batch.entries()) item.resolve(outputs[index]!);
          },
          (failure: unknown) => {
            for (const item of batch) item.reject(failure);
          },
        )
        .finally(() => {
          inFlight--;
          if (queue.length > 0) schedule(queue.length >= maxBatchSize ? 0 : maxWaitMs);
        });
    }
  };

  const schedule = (delay: number) => {
    if (scheduled || closed) return;
    scheduled = true;
    if (delay > 0) setTimeout(flush, delay);
    else setImmediate(flush);
  };

  return {
    push(input, pushOptions) {
      if (closed) return Promise.reject(error('queue is closed', 'classifier_failed'));
      if (queue.length >= maxQueueSize) {
        return Promise.reject(
          error(`queue full (${maxQueueSize} waiting); shed load or raise maxQueueSize`, 'overloaded'),
        );
      }
      const signal = pushOptions?.signal;
      if (signal?.aborted) return Promise.reject(error('aborted before classification', 'aborted'));
      return new Promise<Output>((resolve, reject) => {
        let item: Pending<Input, Output>;
        const onAbort = signal
          ? () => {
              const index = queue.indexOf(item);
              if (index >= 0) {
                queue.splice(index, 1);
                reject(error('aborted before classification', 'aborted'));
              }
            }
          : undefined;
        item = { input, resolve, reject, signal, onAbort };
        if (signal && onAbort) signal.addEventListener('abort', onAbort, { once: true });
        queue.push(item);
        if (inFlight < maxConcurrency) {
          if (queue.length >= maxBatchSize) {
            // A full batch goes now, without waiting for the timer.
            flush();
          } else schedule(maxWaitMs);
        }
      });
    },
    get waiting() {
      return queue.length;
    },
    stats,
    close() {
      if (closed) return;
      closed = true;
      const failure = error('queue closed', 'classifier_failed');
      for (const item of queue.splice(0)) {
        detach(item);
        item.reject(failure);
      }
    },
  };
}
