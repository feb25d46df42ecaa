/**
 * @semroute/extproc: semroute as an Envoy External Processor (ext_proc v3). Mount
 * `createExtProcService(router)` on your own grpc-js server, or run `serveExtProc()` from
 * `@semroute/extproc/node`.
 *
 * @module
 */
export {
  createExtProcService,
  type ExtProcService,
  type ExtProcStats,
  resolveExtProcOptions,
} from './create-ext-proc-service.js';
export { createHealthService, type HealthService, type ServingStatus } from './create-health-service.js';
export type {
  BodySendMode,
  HeaderMutation,
  HttpBody,
  HttpHeaders,
  ProcessingMode,
  ProcessingRequest,
  ProcessingResponse,
  ProtocolConfiguration,
} from './ext-proc-messages.js';
export {
  defaultIsRoutable,
  type ExchangeSummary,
  type ExchangeUsage,
  type ExtProcClock,
  type ExtProcLogger,
  type ExtProcOptions,
} from './ext-proc-options.js';
export { ENVOY_STATUS_CODES, isEnvoyStatusCode, toEnvoyStatusCode } from './http-status.js';
export {
  EXT_PROC_METHOD_PATH,
  loadExtProcServiceDefinition,
  PROTO_LOADER_OPTIONS,
  protoDirectory,
} from './proto-definitions.js';
export type {
  GrpcServerLike,
  MethodDefinitionLike,
  ServerDuplexStreamLike,
  ServiceDefinitionLike,
} from './server-types.js';
