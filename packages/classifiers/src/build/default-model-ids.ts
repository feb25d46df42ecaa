/**
 * Ids (folder names under the models folder) of the default models `buildDefaultModels` writes.
 *
 * @module
 */
export const DEFAULT_MODEL_IDS = {
  embedding: 'glove-sif-100d-50k',
  domain: 'domain-glove-sif-mlp',
  jailbreak: 'jailbreak-glove-sif-mlp',
  pii: 'pii-glove-window-mlp',
} as const;
