/**
 * Signal provider contract, version 1: creates extractors for signal families core does not
 * implement itself (the learned ones: domain, embedding, pii, jailbreak, language, complexity,
 * classifier, ...). `@semroute/classifiers` exports providers; users can add their own.
 *
 * @module
 */
import type { RouterConfig, RoutingConfig } from '../../../config/router-config-schema.js';
import type { SignalExtractorV1, SignalKind } from '../../signal-extractor/v1/signal-extractor-v1.js';

export interface SignalDefinitionContext {
  /** Leaf type, e.g. `domain`. */
  readonly kind: SignalKind;
  /** The signal's entry from `routing.signals.<family>[]`, validated and defaulted. */
  readonly definition: { readonly name: string } & Readonly<Record<string, unknown>>;
  /** The routing block (default routing or a recipe's) the signal belongs to. */
  readonly routing: RoutingConfig;
  /** The whole config (for `global.model_catalog` and similar). */
  readonly config: RouterConfig;
  /** Aborted when router creation is abandoned. */
  readonly signal?: AbortSignal;
}

export interface SignalProviderV1 {
  readonly specificationVersion: 'v1';
  /** Name for errors, e.g. `@semroute/classifiers`. */
  readonly name: string;
  /** Leaf types this provider can create extractors for. */
  readonly kinds: readonly SignalKind[];
  /**
   * Creates the extractor for one configured signal. Called once per signal at router creation
   * (load time), so expensive set-up such as embedding candidates belongs here. Rejects with a
   * `SemrouteError` (e.g. `ModelLoadError`) when the signal cannot be served.
   */
  createExtractor(context: SignalDefinitionContext): SignalExtractorV1 | PromiseLike<SignalExtractorV1>;
  /** Releases models and pools. Idempotent. */
  close?(): PromiseLike<void>;
}
