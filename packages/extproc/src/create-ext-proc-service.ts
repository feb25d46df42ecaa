/**
 * `createExtProcService(router)`: the Envoy External Processor as a grpc-js service definition
 * plus implementation, in the shape of grpc-health-check, so it can be mounted on any grpc-js
 * server (`addToServer(server)`), next to other services. No grpc-js import here: the service
 * definition comes from proto-loader and the server is structural.
 *
 * @module
 */
import type { Router } from '@semroute/core';
import { fastResponseSerializer } from './encode-processing-response.js';
import type { ProcessingRequest, ProcessingResponse } from './ext-proc-messages.js';
import { defaultIsRoutable, type ExtProcOptions, NOOP_LOGGER, SYSTEM_CLOCK } from './ext-proc-options.js';
import { ExtProcSession, type ResolvedExtProcOptions } from './ext-proc-session.js';
import { loadExtProcServiceDefinition } from './proto-definitions.js';
import type {
  GrpcServerLike,
  MethodDefinitionLike,
  ServerDuplexStreamLike,
  ServiceDefinitionLike,
} from './server-types.js';

/** Live counters of one service instance. */
export interface ExtProcStats {
  /** Streams currently open. */
  readonly openStreams: number;
  /** Streams opened since creation. */
  readonly totalStreams: number;
  /** ProcessingRequests received. */
  readonly messagesReceived: number;
}

export interface ExtProcService {
  /** grpc-js service definition of `envoy.service.ext_proc.v3.ExternalProcessor`. */
  readonly service: ServiceDefinitionLike;
  /** Handlers keyed by method name (`Process`). */
  readonly implementation: {
    readonly Process: (call: ServerDuplexStreamLike<ProcessingRequest, ProcessingResponse>) => void;
  };
  /** Mounts the service on a grpc-js server. */
  addToServer(server: GrpcServerLike): void;
  stats(): ExtProcStats;
}

const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** The service definition with `Process` replies encoded by the direct encoder. */
function withFastResponseEncoder(definition: ServiceDefinitionLike): ServiceDefinitionLike {
  const process = definition.Process!;
  const fallback = process.responseSerialize as unknown as (value: ProcessingResponse) => Buffer;
  return {
    ...definition,
    Process: {
      ...process,
      responseSerialize: fastResponseSerializer(fallback) as MethodDefinitionLike['responseSerialize'],
    },
  };
}

/** Applies defaults; request limits come from the router's config. */
export function resolveExtProcOptions(router: Router, options: ExtProcOptions = {}): ResolvedExtProcOptions {
  const streamedBody = router.config.global.router.streamed_body;
  return {
    maxRequestBodyBytes: options.maxRequestBodyBytes ?? streamedBody?.max_bytes ?? 10 * 1024 * 1024,
    maxResponseBodyBytes: options.maxResponseBodyBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    assumedRequestBodyMode: options.assumedRequestBodyMode ?? 'BUFFERED',
    responseModeOverride: options.responseModeOverride ?? true,
    requestModeOverride: options.requestModeOverride ?? true,
    clearRouteCache: options.clearRouteCache,
    forceIdentityEncoding: options.forceIdentityEncoding ?? true,
    overrideMessageTimeout: options.overrideMessageTimeout,
    isRoutable: options.isRoutable ?? defaultIsRoutable,
    clock: options.clock ?? SYSTEM_CLOCK,
    logger: options.logger ?? NOOP_LOGGER,
    onExchangeEnd: options.onExchangeEnd,
  };
}

/**
 * Creates the ext_proc service for one router. The router is used as-is (reload by creating a
 * new service or by passing a router proxy that swaps its target).
 */
export function createExtProcService(router: Router, options: ExtProcOptions = {}): ExtProcService {
  const resolved = resolveExtProcOptions(router, options);
  const service = withFastResponseEncoder(loadExtProcServiceDefinition());
  let openStreams = 0;
  let totalStreams = 0;
  let messagesReceived = 0;

  const Process = (call: ServerDuplexStreamLike<ProcessingRequest, ProcessingResponse>): void => {
    openStreams++;
    totalStreams++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      openStreams--;
    };
    const session = new ExtProcSession(router, resolved, {
      send: (response) => {
        if (!call.cancelled) call.write(response);
      },
      end: () => {
        if (!call.cancelled) call.end();
      },
      fail: (code, details) => {
        if (!call.cancelled) call.emit('error', { code, details });
      },
    });
    call.on('data', (message: ProcessingRequest) => {
      messagesReceived++;
      session.push(message);
    });
    call.on('end', () => session.endOfInput());
    call.on('cancelled', () => {
      // CANCELLED / RST: a normal end of an ext_proc stream.
      session.cancel();
      release();
    });
    call.on('error', () => {
      session.cancel();
      release();
    });
    call.on('close', () => {
      session.cancel();
      release();
    });
  };

  const implementation = { Process };
  return {
    service,
    implementation,
    addToServer(server) {
      server.addService(service, implementation);
    },
    stats: () => ({ openStreams, totalStreams, messagesReceived }),
  };
}
