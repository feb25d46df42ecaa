/**
 * Reads and validates a model folder in the Hugging Face layout (`config.json` with `id2label`,
 * `tokenizer.json`, `tokenizer_config.json`, `onnx/model.onnx`, optional fp16/int8 variants and
 * label-mapping files). Every backend loads through here, so a missing or broken model fails at
 * startup with the path and what is missing, whatever the runtime.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { ModelLoadError } from '@semroute/core';

export type ModelTask = 'text-classification' | 'token-classification' | 'feature-extraction';

/** ONNX weight variants in transformers.js naming. */
export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';

const DTYPE_SUFFIX: Record<ModelDtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
};

/** Label-mapping files the reference router's models ship (override `id2label`). */
export const LABEL_MAPPING_FILES = [
  'category_mapping.json',
  'pii_type_mapping.json',
  'jailbreak_type_mapping.json',
  'label_mapping.json',
] as const;

export interface ModelFolderOptions {
  /** Folder path, or a model id resolved under `modelsDir`. */
  readonly model: string;
  readonly modelsDir?: string;
  /** Expected task; a mismatch with `config.json` architectures fails fast. */
  readonly task?: ModelTask;
  readonly dtype?: ModelDtype;
  /** ONNX file relative to the folder; overrides `dtype` (e.g. `onnx/model_sdpa_fp16.onnx`). */
  readonly onnxFile?: string;
  /** Label mapping JSON relative to the folder (e.g. `category_mapping.json`). */
  readonly labelMappingFile?: string;
  /** Config key that named this model, for error messages (e.g. `model_catalog.system.domain_classifier`). */
  readonly configKey?: string;
}

export interface ModelFolder {
  readonly dir: string;
  /** Folder name, used as the model id in errors and traces. */
  readonly modelId: string;
  readonly task: ModelTask;
  /** Index-aligned label names (empty for feature extraction). */
  readonly labels: readonly string[];
  /** `multi_label_classification` ⇒ sigmoid instead of softmax. */
  readonly multiLabel: boolean;
  readonly config: Readonly<Record<string, unknown>>;
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  /** Absolute path of the ONNX file. */
  readonly onnxPath: string;
  /** ONNX file relative to the folder (what transformers.js is told). */
  readonly onnxFile: string;
  readonly dtype: ModelDtype;
  /** Size of the ONNX file (plus external data) in bytes. */
  readonly sizeBytes: number;
  /** `hidden_size` from config, when present. */
  readonly hiddenSize: number | undefined;
}

const LAYOUT = 'expected layout: <dir>/config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx';

/** Resolves a model reference: absolute or relative paths as given, bare ids under `modelsDir`. */
export function resolveModelDir(model: string, modelsDir?: string): string {
  if (isAbsolute(model)) return model;
  if (modelsDir !== undefined && !model.startsWith('.')) return resolve(modelsDir, model);
  return resolve(model);
}

function taskFromConfig(config: Record<string, unknown>): ModelTask {
  const architectures = Array.isArray(config.architectures) ? (config.architectures as string[]) : [];
  const first = architectures[0] ?? '';
  if (first.endsWith('ForSequenceClassification')) return 'text-classification';
  if (first.endsWith('ForTokenClassification')) return 'token-classification';
  if (config.id2label && !first) return 'text-classification';
  return 'feature-extraction';
}

async function readJson(
  path: string,
  what: string,
  configKey: string | undefined,
): Promise<Record<string, unknown>> {
  const where = configKey ? ` (${configKey})` : '';
  if (!existsSync(path))
    throw new ModelLoadError({ message: `model${where}: missing ${what} at ${path}; ${LAYOUT}`, path });
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ModelLoadError({
      message: `model${where}: ${what} at ${path} is not valid JSON: ${(error as Error).message}`,
      path,
      cause: error,
    });
  }
}

function labelsFromMapping(mapping: Record<string, unknown>): string[] | undefined {
  const table = Object.entries(mapping).find(
    ([key, value]) => key.startsWith('idx_to_') && typeof value === 'object' && value !== null,
  )?.[1] as Record<string, string> | undefined;
  const source =
    table ??
    (Object.keys(mapping).every((key) => /^\d+$/.test(key))
      ? (mapping as Record<string, string>)
      : undefined);
  if (!source) return undefined;
  const labels: string[] = [];
  for (const [index, label] of Object.entries(source)) labels[Number(index)] = String(label);
  return labels;
}

/** Reads and validates a model folder. Rejects with `ModelLoadError` naming the path. */
export async function readModelFolder(options: ModelFolderOptions): Promise<ModelFolder> {
  const dir = resolveModelDir(options.model, options.modelsDir);
  const where = options.configKey ? ` (${options.configKey})` : '';
  if (!existsSync(dir)) {
    throw new ModelLoadError({
      message: `model${where}: folder ${dir} does not exist; ${LAYOUT}. Build the default models with \`pnpm models:build\` (or \`semroute models build\`)`,
      path: dir,
    });
  }
  const config = await readJson(join(dir, 'config.json'), 'config.json', options.configKey);
  const tokenizerJson = await readJson(join(dir, 'tokenizer.json'), 'tokenizer.json', options.configKey);
  const tokenizerConfig = existsSync(join(dir, 'tokenizer_config.json'))
    ? await readJson(join(dir, 'tokenizer_config.json'), 'tokenizer_config.json', options.configKey)
    : {};
  const dtype = options.dtype ?? 'fp32';
  const onnxFile = options.onnxFile ?? `onnx/model${DTYPE_SUFFIX[dtype]}.onnx`;
  const onnxPath = join(dir, onnxFile);
  if (!existsSync(onnxPath)) {
    throw new ModelLoadError({
      message: `model${where}: missing ONNX file ${onnxPath} (dtype ${dtype}); ${LAYOUT}`,
      path: onnxPath,
    });
  }
  let sizeBytes = (await stat(onnxPath)).size;
  for (const external of [`${onnxPath}_data`, `${onnxPath}.data`])
    if (existsSync(external)) sizeBytes += (await stat(external)).size;

  const task = taskFromConfig(config);
  if (options.task && options.task !== task) {
    throw new ModelLoadError({
      message: `model${where}: ${dir} is a ${task} model (config.json architectures ${JSON.stringify(config.architectures ?? [])}), expected ${options.task}`,
      path: join(dir, 'config.json'),
    });
  }
  let labels: string[] = [];
  const id2label = config.id2label as Record<string, string> | undefined;
  if (id2label) for (const [index, label] of Object.entries(id2label)) labels[Number(index)] = String(label);
  const mappingFile =
    options.labelMappingFile ?? LABEL_MAPPING_FILES.find((file) => existsSync(join(dir, file)));
  if (mappingFile) {
    const mapped = labelsFromMapping(await readJson(join(dir, mappingFile), mappingFile, options.configKey));
    if (mapped && mapped.length > 0) labels = mapped;
  }
  if (task !== 'feature-extraction') {
    if (labels.length === 0 || labels.some((label) => label === undefined)) {
      throw new ModelLoadError({
        message: `model${where}: ${join(dir, 'config.json')} has no complete id2label (needed for ${task}); add id2label or a label mapping file`,
        path: join(dir, 'config.json'),
      });
    }
  }
  const problemType = config.problem_type;
  return {
    dir,
    modelId: basename(dir),
    task,
    labels,
    multiLabel: problemType === 'multi_label_classification',
    config,
    tokenizerJson,
    tokenizerConfig,
    onnxPath,
    onnxFile,
    dtype,
    sizeBytes,
    hiddenSize: typeof config.hidden_size === 'number' ? config.hidden_size : undefined,
  };
}

/** `max_position_embeddings` (or `max_seq_length`) from config, when present. */
export function configMaxLength(folder: ModelFolder): number | undefined {
  const value = folder.config.max_position_embeddings ?? folder.config.max_seq_length;
  return typeof value === 'number' && value > 0 ? value : undefined;
}
