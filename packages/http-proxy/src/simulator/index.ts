/**
 * @semroute/http-proxy/simulator: the runtime-neutral simulated OpenAI-compatible backend
 * (`serveSimulatedBackend` for Node lives in `@semroute/http-proxy/node`).
 *
 * @module
 */
export {
  createSimulatedBackend,
  type SimulatedBackend,
  type SimulatedBackendOptions,
  type SimulatedFaults,
  type SimulatedRequestRecord,
} from './create-simulated-backend.js';
