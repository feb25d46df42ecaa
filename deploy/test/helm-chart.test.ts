import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PORTS } from '@semroute/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CHART_DIR,
  get,
  isRecord,
  objectOfKind,
  parseYamlDocuments,
  renderedObjects,
  renderedRouterConfig,
  servicePorts,
} from './deployment-manifests.js';
import { renderChart } from './render-helm-chart.js';

const PORT_NAMES = {
  grpc: DEFAULT_PORTS.extproc,
  http: DEFAULT_PORTS.http,
  api: DEFAULT_PORTS.api,
  metrics: DEFAULT_PORTS.metrics,
};
const FLAGS = {
  '--extproc-port': DEFAULT_PORTS.extproc,
  '--http-port': DEFAULT_PORTS.http,
  '--api-port': DEFAULT_PORTS.api,
  '--metrics-port': DEFAULT_PORTS.metrics,
};

const render = (values: Record<string, unknown> = {}) =>
  renderedObjects(
    renderChart({ chartDir: CHART_DIR, values, releaseName: 'semroute', namespace: 'semroute' }),
  );

interface Container {
  name: string;
  args: string[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext: Record<string, unknown>;
  startupProbe?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  env: { name: string; value?: string }[];
}

function container(objects: Record<string, unknown>[]): Container {
  const containers = get(objectOfKind(objects, 'Deployment'), 'spec.template.spec.containers') as Container[];
  expect(containers).toHaveLength(1);
  return containers[0] as Container;
}

function flagValues(args: readonly string[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (let index = 0; index < args.length; index++) {
    const flag = args[index] as string;
    if (flag.endsWith('-port')) result[flag] = Number(args[index + 1]);
  }
  return result;
}

describe('chart values', () => {
  const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;

  it('uses the default listener ports of @semroute/core', () => {
    expect(values.listeners).toEqual({
      extproc: DEFAULT_PORTS.extproc,
      http: DEFAULT_PORTS.http,
      api: DEFAULT_PORTS.api,
      metrics: DEFAULT_PORTS.metrics,
    });
    for (const [name, port] of Object.entries(PORT_NAMES))
      expect(get(values.service, `${name}.port`), `service.${name}.port`).toBe(port);
  });

  it('documents every value in README.md', () => {
    const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
    const missing: string[] = [];
    const visit = (node: unknown, prefix: string) => {
      if (!isRecord(node)) return;
      for (const [key, value] of Object.entries(node)) {
        const path = prefix ? `${prefix}.${key}` : key;
        if (prefix.startsWith('config')) continue; // the router config document, documented in core
        if (!readme.includes(`\`${path}\``)) missing.push(path);
        visit(value, path);
      }
    };
    visit(values, '');
    expect(missing).toEqual([]);
  });
});

describe('rendered chart (default values)', () => {
  const objects = render();

  it('renders valid YAML objects of the expected kinds', () => {
    expect(objects.map((object) => object.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'Service',
      'ServiceAccount',
    ]);
    for (const object of objects) {
      expect(object.apiVersion).toBeTypeOf('string');
      expect(get(object, 'metadata.name')).toBe(object.kind === 'ConfigMap' ? 'semroute-config' : 'semroute');
      expect(get(object, 'metadata.namespace')).toBe('semroute');
    }
  });

  it('exposes grpc, http, api and metrics on the Service with the default ports', () => {
    expect(Object.fromEntries(servicePorts(objects))).toEqual(PORT_NAMES);
    const ports = get(objectOfKind(objects, 'Service'), 'spec.ports') as {
      name: string;
      targetPort: string;
      appProtocol?: string;
    }[];
    for (const port of ports) expect(port.targetPort).toBe(port.name);
    expect(ports.find((port) => port.name === 'grpc')?.appProtocol).toBe('grpc');
  });

  it('runs the listeners on the same ports and names them for the Service', () => {
    const main = container(objects);
    expect(Object.fromEntries((main.ports ?? []).map((port) => [port.name, port.containerPort]))).toEqual(
      PORT_NAMES,
    );
    expect(flagValues(main.args)).toEqual(FLAGS);
  });

  it('selects its own pods', () => {
    const selector = get(objectOfKind(objects, 'Service'), 'spec.selector') as Record<string, string>;
    const podLabels = get(objectOfKind(objects, 'Deployment'), 'spec.template.metadata.labels') as Record<
      string,
      string
    >;
    expect(get(objectOfKind(objects, 'Deployment'), 'spec.selector.matchLabels')).toEqual(selector);
    for (const [key, value] of Object.entries(selector)) expect(podLabels[key]).toBe(value);
  });

  it('probes the gRPC health service on the ext_proc port', () => {
    const main = container(objects);
    for (const probe of [main.startupProbe, main.readinessProbe, main.livenessProbe]) {
      expect(get(probe, 'grpc.port')).toBe(DEFAULT_PORTS.extproc);
      expect(probe).not.toHaveProperty('enabled');
    }
    expect(main.startupProbe?.failureThreshold).toBeGreaterThanOrEqual(30);
  });

  it('runs as non-root with a read-only root filesystem and a writable /tmp', () => {
    const pod = get(objectOfKind(objects, 'Deployment'), 'spec.template.spec') as Record<string, unknown>;
    expect(get(pod, 'securityContext.runAsNonRoot')).toBe(true);
    expect(get(pod, 'securityContext.runAsUser')).toBeGreaterThan(0);
    const main = container(objects);
    expect(main.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    const tmp = main.volumeMounts.find((mount) => mount.mountPath === '/tmp');
    const volumes = pod.volumes as { name: string; emptyDir?: unknown }[];
    expect(volumes.find((volume) => volume.name === tmp?.name)?.emptyDir).toBeDefined();
    expect(pod.serviceAccountName).toBe(get(objectOfKind(objects, 'ServiceAccount'), 'metadata.name'));
  });

  it('mounts the ConfigMap where the image entrypoint reads its config', () => {
    const main = container(objects);
    const mount = main.volumeMounts.find((entry) => entry.name === 'config');
    expect(mount?.mountPath).toBe('/etc/semroute');
    const volumes = get(objectOfKind(objects, 'Deployment'), 'spec.template.spec.volumes') as {
      name: string;
      configMap?: { name: string; items: { key: string; path: string }[] };
    }[];
    const volume = volumes.find((entry) => entry.name === 'config');
    expect(volume?.configMap?.name).toBe(get(objectOfKind(objects, 'ConfigMap'), 'metadata.name'));
    expect(volume?.configMap?.items).toEqual([{ key: 'config.yaml', path: 'config.yaml' }]);
    expect(main.env.find((entry) => entry.name === 'SEMROUTE_MODELS_DIR')?.value).toBe('/models');
  });

  it('renders values.config into a config that @semroute/core accepts', () => {
    const config = renderedRouterConfig(objects);
    expect(config.version).toBe('v0.3');
    expect(config.global.router.clear_route_cache).toBe(true);
    expect(config.global.model_catalog.models_dir).toBe('/models');
  });

  it('renders NOTES.txt with the ext_proc address', () => {
    const notes = renderChart({
      chartDir: CHART_DIR,
      releaseName: 'semroute',
      namespace: 'semroute',
    }).files.get('templates/NOTES.txt');
    expect(notes).toContain(`semroute.semroute.svc.cluster.local:${DEFAULT_PORTS.extproc}`);
  });
});

describe('rendered chart (value toggles)', () => {
  it('drops a listener set to 0 from the Service and the container', () => {
    const objects = render({ listeners: { http: 0 } });
    expect([...servicePorts(objects).keys()]).toEqual(['grpc', 'api', 'metrics']);
    const main = container(objects);
    expect((main.ports ?? []).map((port) => port.name)).toEqual(['grpc', 'api', 'metrics']);
    expect(flagValues(main.args)['--http-port']).toBe(0);
  });

  it('creates and mounts a models PVC when persistence is on', () => {
    const objects = render({ models: { persistence: { enabled: true } } });
    const claim = objectOfKind(objects, 'PersistentVolumeClaim');
    expect(get(claim, 'spec.resources.requests.storage')).toBe('5Gi');
    const volumes = get(objectOfKind(objects, 'Deployment'), 'spec.template.spec.volumes') as {
      name: string;
      persistentVolumeClaim?: { claimName: string };
    }[];
    expect(volumes.find((volume) => volume.name === 'models')?.persistentVolumeClaim?.claimName).toBe(
      get(claim, 'metadata.name'),
    );
    expect(container(objects).volumeMounts.find((mount) => mount.name === 'models')).toEqual({
      name: 'models',
      mountPath: '/models',
      readOnly: true,
    });
  });

  it('uses an existing claim without creating one', () => {
    const objects = render({ models: { persistence: { enabled: true, existingClaim: 'shared-models' } } });
    expect(objectOfKind(objects, 'PersistentVolumeClaim')).toBeUndefined();
    const volumes = get(objectOfKind(objects, 'Deployment'), 'spec.template.spec.volumes') as {
      name: string;
      persistentVolumeClaim?: { claimName: string };
    }[];
    expect(volumes.find((volume) => volume.name === 'models')?.persistentVolumeClaim?.claimName).toBe(
      'shared-models',
    );
  });

  it('hands the replica count to an HPA when autoscaling is on', () => {
    const objects = render({ autoscaling: { enabled: true, targetMemoryUtilizationPercentage: 80 } });
    const hpa = objectOfKind(objects, 'HorizontalPodAutoscaler');
    expect(get(hpa, 'spec.scaleTargetRef')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'semroute',
    });
    expect((get(hpa, 'spec.metrics') as unknown[]).length).toBe(2);
    expect(get(objectOfKind(objects, 'Deployment'), 'spec.replicas')).toBeUndefined();
    expect(get(objectOfKind(render(), 'Deployment'), 'spec.replicas')).toBe(1);
  });

  it('reads an existing ConfigMap instead of rendering one', () => {
    const objects = render({ existingConfigMap: 'my-router-config' });
    expect(objectOfKind(objects, 'ConfigMap')).toBeUndefined();
    const volumes = get(objectOfKind(objects, 'Deployment'), 'spec.template.spec.volumes') as {
      name: string;
      configMap?: { name: string };
    }[];
    expect(volumes.find((volume) => volume.name === 'config')?.configMap?.name).toBe('my-router-config');
  });

  it('refuses to render without a config', () => {
    expect(() => render({ config: null })).toThrow(/values.config .* is required/);
  });

  it('refuses probes without the ext_proc listener', () => {
    expect(() => render({ listeners: { extproc: 0 } })).toThrow(/gRPC health service/);
    const objects = render({
      listeners: { extproc: 0 },
      probes: { startup: { enabled: false }, readiness: { enabled: false }, liveness: { enabled: false } },
    });
    expect(servicePorts(objects).has('grpc')).toBe(false);
  });

  it('honours name overrides consistently', () => {
    const objects = render({ fullnameOverride: 'router' });
    expect(get(objectOfKind(objects, 'Service'), 'metadata.name')).toBe('router');
    expect(get(objectOfKind(objects, 'Deployment'), 'metadata.name')).toBe('router');
  });

  it('parses every template file as YAML after rendering with all options on', () => {
    const rendered = renderChart({
      chartDir: CHART_DIR,
      values: {
        autoscaling: { enabled: true },
        models: { persistence: { enabled: true, storageClass: 'fast' } },
        env: [{ name: 'A', value: 'b' }],
        extraArgs: ['--log-level', 'debug'],
        podAnnotations: { a: 'b' },
        nodeSelector: { gpu: 'false' },
      },
    });
    for (const [file, text] of rendered.files)
      if (file.endsWith('.yaml')) expect(() => parseYamlDocuments(text, file)).not.toThrow();
    const objects = renderedObjects(rendered);
    expect(objects.map((object) => object.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PersistentVolumeClaim',
      'Service',
      'ServiceAccount',
    ]);
    expect(container(objects).args.slice(-2)).toEqual(['--log-level', 'debug']);
  });
});
