/**
 * The classification surface behind `/api/v1/classify/*`, `/api/v1/embeddings` and
 * `/api/v1/similarity`. Hosts implement it over `@semroute/classifiers`; every method is
 * optional and its endpoints answer 503 when the deployment has no such model.
 *
 * @module
 */

export interface IntentClassification {
  /** Winning label, e.g. `math`. */
  readonly category: string;
  /** Probability of `category`, in [0, 1]. */
  readonly confidence: number;
  /** Probability per label, when the model gives a distribution. */
  readonly probabilities?: Readonly<Record<string, number>>;
}

export interface PiiEntity {
  /** Entity type, e.g. `EMAIL_ADDRESS`. */
  readonly type: string;
  /** UTF-16 offsets into the text, end exclusive. */
  readonly start: number;
  readonly end: number;
  readonly confidence: number;
}

export interface JailbreakDetection {
  readonly isJailbreak: boolean;
  /** Probability of the jailbreak class, in [0, 1]. */
  readonly riskScore: number;
  /** Confidence of the returned verdict, in [0, 1]. */
  readonly confidence: number;
  /** Detected attack types (e.g. `jailbreak`, `prompt_injection`), when the model says. */
  readonly detectionTypes?: readonly string[];
}

export interface ClassifierModelInfo {
  /** Task, e.g. `intent`, `pii`, `jailbreak`, `embedding`. */
  readonly task: string;
  readonly modelId: string;
  readonly provider?: string;
  readonly labels?: readonly string[];
  readonly dimensions?: number;
  readonly loaded: boolean;
}

export interface ClassificationCallOptions {
  readonly signal?: AbortSignal;
}

export interface ClassificationServiceV1 {
  readonly specificationVersion: 'v1';
  /** Intent / domain classification of one text. */
  classifyIntent?(text: string, options?: ClassificationCallOptions): Promise<IntentClassification>;
  /** PII spans in one text (all detected entities; the API applies thresholds and filters). */
  detectPii?(
    text: string,
    options?: ClassificationCallOptions,
  ): Promise<{ readonly entities: readonly PiiEntity[] }>;
  /** Jailbreak / prompt-injection verdict for one text. */
  detectJailbreak?(text: string, options?: ClassificationCallOptions): Promise<JailbreakDetection>;
  /** Embeddings of several texts, in order. */
  embed?(
    texts: readonly string[],
    options?: ClassificationCallOptions & { readonly model?: string; readonly dimensions?: number },
  ): Promise<{ readonly embeddings: readonly (Float32Array | readonly number[])[]; readonly model: string }>;
  /** Loaded models, for `/info/models` and `/info/classifier`. */
  describe?(): readonly ClassifierModelInfo[];
  /** False while models are still loading; `/ready` answers 503 until true. */
  ready?(): boolean;
}
