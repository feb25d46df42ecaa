/**
 * The standard gRPC health service (`grpc.health.v1.Health`: Check and Watch), from our own
 * minimal proto, in the same `{ service, implementation, addToServer }` shape.
 *
 * @module
 */
import { GrpcStatus } from '@semroute/core';
import { loadHealthServiceDefinition } from './proto-definitions.js';
import type {
  GrpcServerLike,
  ServerUnaryCallLike,
  ServerWritableStreamLike,
  ServiceDefinitionLike,
} from './server-types.js';

export type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN';

interface HealthRequest {
  service: string;
}
interface HealthResponse {
  status: ServingStatus | 'SERVICE_UNKNOWN';
}

export interface HealthService {
  readonly service: ServiceDefinitionLike;
  readonly implementation: {
    readonly Check: (
      call: ServerUnaryCallLike<HealthRequest>,
      callback: (error: { code: number; details: string } | null, response?: HealthResponse) => void,
    ) => void;
    readonly Watch: (call: ServerWritableStreamLike<HealthRequest, HealthResponse>) => void;
  };
  addToServer(server: GrpcServerLike): void;
  /** Sets the status of one service name (`''` is the whole server). Watchers are notified. */
  setStatus(service: string, status: ServingStatus): void;
  /** Ends every Watch stream (used at shutdown so they do not hold it open). */
  close(): void;
}

/** Creates a health service. `statuses` maps service names (`''` = overall) to their status. */
export function createHealthService(
  statuses: Readonly<Record<string, ServingStatus>> = { '': 'SERVING' },
): HealthService {
  const service = loadHealthServiceDefinition();
  const current = new Map<string, ServingStatus>(Object.entries(statuses));
  const watchers = new Map<string, Set<ServerWritableStreamLike<HealthRequest, HealthResponse>>>();

  const statusOf = (name: string): HealthResponse['status'] => current.get(name) ?? 'SERVICE_UNKNOWN';

  const implementation: HealthService['implementation'] = {
    Check(call, callback) {
      const name = call.request?.service ?? '';
      if (!current.has(name)) {
        callback({ code: GrpcStatus.NOT_FOUND, details: `unknown service ${name}` });
        return;
      }
      callback(null, { status: statusOf(name) });
    },
    Watch(call) {
      const name = call.request?.service ?? '';
      let set = watchers.get(name);
      if (!set) {
        set = new Set();
        watchers.set(name, set);
      }
      set.add(call);
      call.write({ status: statusOf(name) });
      const remove = (): void => {
        watchers.get(name)?.delete(call);
      };
      call.on('cancelled', remove);
      call.on('close', remove);
    },
  };

  return {
    service,
    implementation,
    addToServer(server) {
      server.addService(service, implementation);
    },
    setStatus(name, status) {
      current.set(name, status);
      for (const call of watchers.get(name) ?? []) if (!call.cancelled) call.write({ status });
    },
    close() {
      for (const set of watchers.values()) {
        for (const call of set) if (!call.cancelled) call.end();
        set.clear();
      }
    },
  };
}
