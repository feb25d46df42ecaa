/**
 * `semroute models list`: what is installed under a models folder.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readModelFolder } from '../model/model-folder.js';

export interface InstalledModel {
  readonly id: string;
  readonly dir: string;
  readonly task: string;
  readonly labels: readonly string[];
  readonly sizeBytes: number;
  /** Backends that can run it. */
  readonly backends: readonly string[];
  /** Why it cannot be loaded, when it cannot. */
  readonly error?: string;
}

export async function listModels(modelsDir: string): Promise<InstalledModel[]> {
  if (!existsSync(modelsDir)) return [];
  const entries = await readdir(modelsDir, { withFileTypes: true });
  const models: InstalledModel[] = [];
  for (const entry of entries
    .filter((item) => item.isDirectory() && !item.name.startsWith('.'))
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = join(modelsDir, entry.name);
    try {
      const folder = await readModelFolder({ model: dir });
      models.push({
        id: folder.modelId,
        dir,
        task: folder.task,
        labels: folder.labels,
        sizeBytes: folder.sizeBytes,
        backends: ['onnx', 'wasm', 'transformers'],
      });
    } catch (error) {
      models.push({
        id: entry.name,
        dir,
        task: 'unknown',
        labels: [],
        sizeBytes: 0,
        backends: [],
        error: (error as Error).message,
      });
    }
  }
  return models;
}
