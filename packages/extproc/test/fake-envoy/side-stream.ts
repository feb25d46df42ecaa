/**
 * The fake Envoy's end of one ext_proc stream: a grpc-js client call wrapped as an inbox of
 * events (reply, OK close, error close) with timed waits on an injectable clock. Every message
 * is recorded in both directions.
 *
 * @module
 */
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { ProcessingRequest, ProcessingResponse } from '../../src/ext-proc-messages.js';
import { EXT_PROC_PROTO_FILE, PROTO_LOADER_OPTIONS, protoDirectory } from '../../src/proto-definitions.js';
import type { HarnessClock } from './manual-clock.js';

export type SideStreamEvent =
  | { readonly type: 'message'; readonly message: ProcessingResponse }
  | { readonly type: 'closed' }
  | { readonly type: 'error'; readonly code: number; readonly details: string }
  | { readonly type: 'timeout' };

type ExtProcClient = grpc.Client & {
  Process(options?: grpc.CallOptions): grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse>;
};

let clientConstructor: grpc.ServiceClientConstructor | undefined;

/** A grpc-js client for `envoy.service.ext_proc.v3.ExternalProcessor` (Envoy's side). */
export function createExtProcClient(
  address: string,
  credentials = grpc.credentials.createInsecure(),
  options: grpc.ClientOptions = {},
): ExtProcClient {
  if (!clientConstructor) {
    const definition = loadSync(EXT_PROC_PROTO_FILE, {
      ...PROTO_LOADER_OPTIONS,
      includeDirs: [protoDirectory()],
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      envoy: { service: { ext_proc: { v3: { ExternalProcessor: grpc.ServiceClientConstructor } } } };
    };
    clientConstructor = loaded.envoy.service.ext_proc.v3.ExternalProcessor;
  }
  return new clientConstructor(address, credentials, options) as unknown as ExtProcClient;
}

export class SideStream {
  readonly sent: ProcessingRequest[] = [];
  readonly received: ProcessingResponse[] = [];
  private readonly call: grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse>;
  private readonly clock: HarnessClock;
  private readonly inbox: SideStreamEvent[] = [];
  private waiter: ((event: SideStreamEvent) => void) | undefined;
  private ended = false;
  /** Final status of the stream once it ended. */
  status: { code: number; details: string } | undefined;

  constructor(client: ExtProcClient, clock: HarnessClock) {
    this.clock = clock;
    this.call = client.Process();
    this.call.on('data', (message: ProcessingResponse) => {
      this.received.push(message);
      this.deliver({ type: 'message', message });
    });
    this.call.on('error', () => {
      // Reported through 'status'.
    });
    this.call.on('status', (status: grpc.StatusObject) => {
      this.ended = true;
      this.status = { code: status.code, details: status.details };
      this.deliver(
        status.code === grpc.status.OK
          ? { type: 'closed' }
          : { type: 'error', code: status.code, details: status.details },
      );
    });
  }

  private deliver(event: SideStreamEvent): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(event);
    } else {
      this.inbox.push(event);
    }
  }

  get isEnded(): boolean {
    return this.ended;
  }

  write(message: ProcessingRequest): void {
    this.sent.push(message);
    if (!this.ended) this.call.write(message);
  }

  /** Half-closes Envoy's side (graceful close). */
  halfClose(): void {
    if (!this.ended) this.call.end();
  }

  /** Resets the stream (what Envoy does after its last message by default). */
  reset(): void {
    if (!this.ended) this.call.cancel();
  }

  /** Next event, or `timeout` after `timeoutMs` on the clock (no limit when undefined). */
  next(timeoutMs?: number): Promise<SideStreamEvent> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      let timer: unknown;
      this.waiter = (event) => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        resolve(event);
      };
      if (timeoutMs !== undefined) {
        timer = this.clock.setTimeout(() => {
          timer = undefined;
          this.waiter = undefined;
          resolve({ type: 'timeout' });
        }, timeoutMs);
      }
    });
  }

  /** Waits for the stream's end (status), up to `timeoutMs` on the real clock. */
  async waitForEnd(timeoutMs: number): Promise<boolean> {
    if (this.ended) return true;
    const deadline = Date.now() + timeoutMs;
    while (!this.ended && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    return this.ended;
  }
}
