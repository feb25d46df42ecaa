/**
 * A scripted ext_proc server for the harness's own tests: each incoming ProcessingRequest is
 * handed to a script that writes whatever replies (right or wrong) the scenario needs. Proves
 * the fake Envoy reacts to server behaviour the way a real Envoy does.
 *
 * @module
 */
import * as grpc from '@grpc/grpc-js';
import type { ProcessingRequest, ProcessingResponse } from '../../src/ext-proc-messages.js';
import { loadExtProcServiceDefinition } from '../../src/proto-definitions.js';

export interface ScriptControls {
  write(response: ProcessingResponse): void;
  /** Ends the stream with OK. */
  end(): void;
  /** Ends the stream with an error status. */
  fail(code?: number, details?: string): void;
  /** Index of this message on its stream. */
  readonly index: number;
}

export type Script = (request: ProcessingRequest, controls: ScriptControls) => void;

export async function startScriptedServer(
  script: Script,
): Promise<{ address: string; close(): Promise<void> }> {
  const server = new grpc.Server();
  server.addService(loadExtProcServiceDefinition() as unknown as grpc.ServiceDefinition, {
    Process(call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>) {
      let index = 0;
      let done = false;
      call.on('data', (request: ProcessingRequest) => {
        if (done) return;
        script(request, {
          index: index++,
          write: (response) => {
            if (!done) call.write(response);
          },
          end: () => {
            done = true;
            call.end();
          },
          fail: (code = grpc.status.INTERNAL, details = 'scripted failure') => {
            done = true;
            call.emit('error', { code, details });
          },
        });
      });
      call.on('end', () => {
        if (!done) {
          done = true;
          call.end();
        }
      });
      call.on('error', () => {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}

/** The reply a well-behaved pass-through server sends for `request` (CONTINUE of the matching kind). */
export function continueReply(request: ProcessingRequest): ProcessingResponse {
  switch (request.request) {
    case 'request_headers':
      return { request_headers: {} };
    case 'request_body':
      return { request_body: {} };
    case 'request_trailers':
      return { request_trailers: {} };
    case 'response_headers':
      return { response_headers: {} };
    case 'response_body':
      return { response_body: {} };
    default:
      return { response_trailers: {} };
  }
}
