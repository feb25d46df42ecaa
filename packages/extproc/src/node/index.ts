/**
 * Node host of `@semroute/extproc`: the standalone gRPC server.
 *
 * @module
 */
export {
  type ExtProcServerHandle,
  type ExtProcTlsOptions,
  loadTlsDirectory,
  type ServeExtProcOptions,
  serveExtProc,
} from './serve.js';
