import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRouter } from '@semroute/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chat, configText } from '../../test/fixtures.js';
import { configEtag, createConfigManager } from './config-manager.js';

let directory: string;
let path: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'semroute-config-'));
  path = join(directory, 'config.yaml');
  await writeFile(path, configText(), 'utf8');
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const build = {
  buildRouter: async ({ config }: { config: Parameters<typeof createRouter>[0]['config'] }) =>
    createRouter({ config }),
};

async function mathModel(manager: Awaited<ReturnType<typeof createConfigManager>>) {
  const outcome = await manager.router.route(chat('an integral'));
  return outcome.type === 'upstream' ? outcome.body.model : undefined;
}

describe('createConfigManager', () => {
  it('loads the file, exposes its ETag and keeps it as version 1', async () => {
    const manager = await createConfigManager({ path, ...build });
    expect(manager.current()).toMatchObject({ id: 1, source: 'initial', etag: configEtag(configText()) });
    expect(manager.versions()).toEqual([expect.objectContaining({ id: 1, active: true })]);
    await manager.close();
  });

  it('update validates, writes atomically with a backup, swaps, and keeps the previous version', async () => {
    const manager = await createConfigManager({ path, ...build });
    const next = configText({ mathAdapter: 'math-expert-v2' });
    const result = await manager.update(next, { ifMatch: manager.current().etag });
    expect(result.status).toBe('applied');
    expect(await readFile(path, 'utf8')).toBe(next);
    expect(await readFile(`${path}.bak`, 'utf8')).toBe(configText());
    expect(await mathModel(manager)).toBe('math-expert-v2');
    expect(manager.versions().map((version) => version.id)).toEqual([2, 1]);
    await manager.close();
  });

  it('rejects a stale If-Match and an invalid document without touching the running config', async () => {
    const manager = await createConfigManager({ path, ...build });
    const conflict = await manager.update(configText({ mathAdapter: 'math-expert-v2' }), {
      ifMatch: '"stale"',
    });
    expect(conflict).toEqual({ status: 'conflict', etag: manager.current().etag });
    const invalid = await manager.update('version: v0.3\nrouting:\n  decisions: nope\n');
    expect(invalid.status).toBe('invalid');
    if (invalid.status === 'invalid') expect(invalid.errors[0]?.path).toContain('routing');
    expect(await readFile(path, 'utf8')).toBe(configText());
    expect(await mathModel(manager)).toBe('math-expert');
    expect(manager.current().id).toBe(1);
    await manager.close();
  });

  it('rejects a config whose router cannot be built (e.g. an unserved signal)', async () => {
    const manager = await createConfigManager({
      path,
      buildRouter: async ({ config }) => {
        if (config.routing.decisions.some((decision) => decision.name === 'explode'))
          throw new Error('model load failed');
        return createRouter({ config });
      },
    });
    const broken = configText().replace('- name: general\n', '- name: explode\n');
    const result = await manager.update(broken);
    expect(result).toMatchObject({ status: 'invalid', errors: [{ message: 'model load failed' }] });
    expect(await readFile(path, 'utf8')).toBe(configText());
    await manager.close();
  });

  it('rolls back to the previous version, or to a given one', async () => {
    const manager = await createConfigManager({ path, ...build });
    await manager.update(configText({ mathAdapter: 'math-expert-v2' }));
    await manager.update(configText({ mathAdapter: 'general-expert' }));
    expect(await mathModel(manager)).toBe('general-expert');
    const back = await manager.rollback();
    expect(back.status).toBe('applied');
    expect(await mathModel(manager)).toBe('math-expert-v2');
    await manager.rollback({ toVersion: 1 });
    expect(await mathModel(manager)).toBe('math-expert');
    expect(await readFile(path, 'utf8')).toBe(configText());
    expect(manager.versions()[0]).toMatchObject({ source: 'rollback', active: true });
    expect((await manager.rollback({ toVersion: 99 })).status).toBe('not_found');
    await manager.close();
  });

  it('hot-reloads a changed file (debounced) and ignores an invalid one', async () => {
    let reloads = 0;
    const manager = await createConfigManager({
      path,
      ...build,
      onReload: (event) => {
        if (event.result === 'applied') reloads++;
      },
    });
    const stop = manager.watch({ debounceMs: 30 });
    // Several writes in a burst become one reload.
    await writeFile(path, configText({ mathAdapter: 'general-expert' }), 'utf8');
    await writeFile(path, configText({ mathAdapter: 'math-expert-v2' }), 'utf8');
    await expect.poll(() => mathModel(manager), { timeout: 3000 }).toBe('math-expert-v2');
    expect(reloads).toBe(1);
    expect(manager.current().source).toBe('file');

    await writeFile(path, 'version: v0.3\nrouting: [broken\n', 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await mathModel(manager)).toBe('math-expert-v2');
    expect(reloads).toBe(1);
    stop();
    await manager.close();
  });

  it('hot-reloads a Kubernetes-style ConfigMap update (a ..data symlink swap)', async () => {
    // config.yaml -> ..data/config.yaml, ..data -> ..v1; an update writes ..v2 and swaps ..data.
    await mkdir(join(directory, '..v1'));
    await writeFile(join(directory, '..v1', 'config.yaml'), configText(), 'utf8');
    await symlink('..v1', join(directory, '..data'));
    const linked = join(directory, 'linked.yaml');
    await symlink(join('..data', 'config.yaml'), linked);
    const manager = await createConfigManager({ path: linked, ...build });
    const stop = manager.watch({ debounceMs: 30 });
    await mkdir(join(directory, '..v2'));
    await writeFile(
      join(directory, '..v2', 'config.yaml'),
      configText({ mathAdapter: 'math-expert-v2' }),
      'utf8',
    );
    await symlink('..v2', join(directory, '..data_tmp'));
    await rename(join(directory, '..data_tmp'), join(directory, '..data'));
    await expect.poll(() => mathModel(manager), { timeout: 3000 }).toBe('math-expert-v2');
    stop();
    await manager.close();
  });

  it('works in memory without a file', async () => {
    const manager = await createConfigManager({ text: configText(), ...build });
    expect((await manager.update(configText({ mathAdapter: 'math-expert-v2' }))).status).toBe('applied');
    expect((await manager.update(configText({ mathAdapter: 'math-expert-v2' }))).status).toBe('unchanged');
    expect(manager.validate('version: v0.3\nrouting: 3\n').valid).toBe(false);
    expect(manager.validate(configText()).valid).toBe(true);
    await manager.close();
  });
});
