/**
 * @semroute/http-proxy/node: the Node server adapter (undici upstream pools) for the proxy and
 * the simulated backend.
 *
 * @module
 */

export {
  type ServeSimulatedBackendOptions,
  type SimulatedBackendServer,
  serveSimulatedBackend,
} from '../simulator/serve-simulated-backend.js';
export {
  createNodeListener,
  type ListenOptions,
  listenWithHandler,
  type NodeServerHandle,
} from './node-http-adapter.js';
export { type HttpProxyServer, type ServeHttpProxyOptions, serveHttpProxy } from './serve.js';
export {
  createUndiciTransport,
  type UndiciTransport,
  type UndiciTransportOptions,
} from './undici-transport.js';
