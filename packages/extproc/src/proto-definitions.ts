/**
 * Loads semroute's own minimal ext_proc v3 and grpc.health.v1 `.proto` files (shipped in the
 * package's `proto/` folder) with `@grpc/proto-loader`. The result is the grpc-js service
 * definition shape (path + (de)serialisers per method) without importing grpc-js itself.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import type { ServiceDefinitionLike } from './server-types.js';

/** proto-loader options: snake_case fields, oneof names, string enums, Buffers for bytes. */
export const PROTO_LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;

/**
 * Folder holding the `.proto` files: the package's `proto/`, found by walking up from this
 * module (works from `src/`, `dist/` and bundled chunks alike).
 */
export function protoDirectory(): string {
  for (const relative of ['../proto/', '../../proto/', '../../../proto/']) {
    const candidate = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${candidate}${EXT_PROC_PROTO_FILE}`)) return candidate;
  }
  throw new Error(`semroute extproc: cannot find the proto/ folder near ${fileURLToPath(import.meta.url)}`);
}

export const EXT_PROC_PROTO_FILE = 'envoy/service/ext_proc/v3/external_processor.proto';
export const HEALTH_PROTO_FILE = 'grpc/health/v1/health.proto';
/** Fully qualified gRPC method path of the ext_proc stream. */
export const EXT_PROC_METHOD_PATH = '/envoy.service.ext_proc.v3.ExternalProcessor/Process';

let extProcDefinition: ServiceDefinitionLike | undefined;
let healthDefinition: ServiceDefinitionLike | undefined;

/** The `ExternalProcessor` service definition (cached: the proto never changes at run time). */
export function loadExtProcServiceDefinition(): ServiceDefinitionLike {
  if (!extProcDefinition) {
    const packageDefinition = loadSync(EXT_PROC_PROTO_FILE, {
      ...PROTO_LOADER_OPTIONS,
      includeDirs: [protoDirectory()],
    });
    extProcDefinition = packageDefinition[
      'envoy.service.ext_proc.v3.ExternalProcessor'
    ] as unknown as ServiceDefinitionLike;
  }
  return extProcDefinition;
}

/** The `grpc.health.v1.Health` service definition. */
export function loadHealthServiceDefinition(): ServiceDefinitionLike {
  if (!healthDefinition) {
    const packageDefinition = loadSync(HEALTH_PROTO_FILE, {
      ...PROTO_LOADER_OPTIONS,
      includeDirs: [protoDirectory()],
    });
    healthDefinition = packageDefinition['grpc.health.v1.Health'] as unknown as ServiceDefinitionLike;
  }
  return healthDefinition;
}
