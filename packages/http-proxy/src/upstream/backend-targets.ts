/**
 * Backend targets live in `@semroute/core` (learned signals that call an LLM resolve endpoints
 * the same way); re-exported here so the proxy's public API is unchanged.
 *
 * @module
 */
export {
  type BackendTarget,
  orderTargetsByWeight,
  resolveBackendTarget,
  resolveBackendTargets,
} from '@semroute/core';
