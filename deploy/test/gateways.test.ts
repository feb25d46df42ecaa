import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PORTS, HEADERS, parseRouterConfig, type RouterConfig } from '@semroute/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CHART_DIR,
  DEFAULT_EXAMPLE_NAMESPACE,
  EXAMPLE_NAMESPACES,
  findExtProcFilters,
  findHeaderMatches,
  GATEWAYS_DIR,
  get,
  isRecord,
  loadGatewayManifests,
  type ManifestFile,
  objectOfKind,
  renderChartWith,
  renderedObjects,
  renderedRouterConfig,
  routableModels,
  servicePorts,
  walk,
} from './deployment-manifests.js';

const manifests = loadGatewayManifests();
const examples = [...new Set(manifests.map((file) => file.example))];
const chartDefaults = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;

/** Examples where semroute is attached as ext_proc, and the one that uses its HTTP proxy. */
const EXT_PROC_EXAMPLES = ['agentgateway', 'aibrix', 'envoy', 'envoy-ai-gateway', 'istio', 'llm-d'];
const HTTP_PROXY_EXAMPLES = ['vllm-production-stack'];
/** Header names the gateways own; every other matched header must be one of semroute's. */
const GATEWAY_HEADERS = new Set(['x-ai-eg-model']);

const namespaceOf = (example: string) => EXAMPLE_NAMESPACES[example] ?? DEFAULT_EXAMPLE_NAMESPACE;
const filesOf = (example: string, kind?: ManifestFile['kind']) =>
  manifests.filter((file) => file.example === example && (kind === undefined || file.kind === kind));
const documentsOf = (example: string, kind?: ManifestFile['kind']) =>
  filesOf(example, kind).flatMap((file) => file.documents);

/** The semroute config and rendered chart objects of one example. */
function exampleSetup(example: string): {
  config: RouterConfig;
  objects: Record<string, unknown>[] | undefined;
} {
  const values = documentsOf(example, 'semroute-values')[0];
  if (values) {
    const objects = renderedObjects(renderChartWith(values, namespaceOf(example)));
    return { config: renderedRouterConfig(objects), objects };
  }
  const [configFile] = filesOf(example, 'semroute-config');
  if (!configFile) throw new Error(`${example}: no semroute-values.yaml or semroute.yaml`);
  return {
    config: parseRouterConfig(readFileSync(join(GATEWAYS_DIR, '..', '..', configFile.path), 'utf8'), {
      env: {},
    }).config,
    objects: undefined,
  };
}

/** The chart's Service for an example (defaults when the example has no values file). */
function serviceOf(example: string): { name: string; namespace: string; ports: Map<string, number> } {
  const values = documentsOf(example, 'semroute-values')[0] ?? {};
  const objects = renderedObjects(renderChartWith(values, namespaceOf(example)));
  const service = objectOfKind(objects, 'Service');
  return {
    name: get(service, 'metadata.name') as string,
    namespace: get(service, 'metadata.namespace') as string,
    ports: servicePorts(objects),
  };
}

interface ServiceReference {
  readonly host: string;
  readonly namespace?: string;
  readonly port: number;
  readonly via: string;
}

/** Every place a manifest points at semroute's Service (or, for compose, its container). */
function semrouteReferences(file: ManifestFile): ServiceReference[] {
  const references: ServiceReference[] = [];
  for (const document of file.documents) {
    const kind = document.kind as string | undefined;
    const namespace = get(document, 'metadata.namespace') as string | undefined;
    // Envoy: the ext_proc filter's cluster, resolved to its endpoints (static config, EnvoyPatchPolicy)
    // or parsed from Istio's outbound|<port>||<host> cluster name.
    for (const { config } of findExtProcFilters(document)) {
      const cluster = get(config, 'grpc_service.envoy_grpc.cluster_name') as string;
      const istio = /^outbound\|(\d+)\|\|(.+)$/.exec(cluster);
      if (istio)
        references.push({
          host: istio[2] as string,
          port: Number(istio[1]),
          via: `${file.path} cluster_name`,
        });
      const authority = get(config, 'grpc_service.envoy_grpc.authority') as string | undefined;
      if (authority)
        references.push({
          host: authority.split(':')[0] as string,
          port: Number(authority.split(':')[1]),
          via: `${file.path} authority`,
        });
      const clusters: unknown[] = [];
      for (const candidate of file.documents) {
        walk(candidate, (node) => {
          if (isRecord(node) && node.name === cluster && isRecord(node.load_assignment)) clusters.push(node);
        });
      }
      if (!istio) expect(clusters, `${file.path}: cluster ${cluster} of the ext_proc filter`).toHaveLength(1);
      walk(clusters, (node) => {
        if (isRecord(node) && isRecord(node.socket_address))
          references.push({
            host: node.socket_address.address as string,
            port: node.socket_address.port_value as number,
            via: `${file.path} cluster ${cluster}`,
          });
      });
    }
    if (kind === 'EnvoyExtensionPolicy') {
      for (const extProc of (get(document, 'spec.extProc') as unknown[]) ?? []) {
        for (const reference of (get(extProc, 'backendRefs') as Record<string, unknown>[]) ?? []) {
          references.push({
            host: reference.name as string,
            namespace: (reference.namespace as string) ?? namespace,
            port: reference.port as number,
            via: `${file.path} EnvoyExtensionPolicy`,
          });
        }
      }
    }
    if (kind === 'AgentgatewayPolicy') {
      const reference = get(document, 'spec.traffic.extProc.backendRef') as Record<string, unknown>;
      references.push({
        host: reference.name as string,
        namespace: (reference.namespace as string) ?? namespace,
        port: reference.port as number,
        via: `${file.path} AgentgatewayPolicy`,
      });
    }
    if (kind === 'HTTPRoute') {
      walk(get(document, 'spec.rules'), (node) => {
        if (isRecord(node) && node.name === 'semroute' && node.kind === undefined)
          references.push({
            host: 'semroute',
            namespace: (node.namespace as string) ?? namespace,
            port: node.port as number,
            via: `${file.path} HTTPRoute`,
          });
      });
    }
  }
  return references;
}

describe('gateway examples: files', () => {
  it('has every gateway the deployment docs name, each with a README', () => {
    expect(examples).toEqual([
      'agentgateway',
      'aibrix',
      'envoy',
      'envoy-ai-gateway',
      'istio',
      'llm-d',
      'vllm-production-stack',
    ]);
    for (const example of examples) expect(readdirSync(join(GATEWAYS_DIR, example))).toContain('README.md');
  });

  it('parses every manifest, and every Kubernetes document names its apiVersion, kind and name', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(18);
    for (const file of manifests) {
      expect(file.documents.length, file.path).toBeGreaterThan(0);
      if (file.kind !== 'kubernetes') continue;
      for (const document of file.documents) {
        expect(document.apiVersion, file.path).toMatch(/^[\w.-]+(\/v[\w]+)?$|^v1$/);
        expect(document.kind, file.path).toMatch(/^[A-Z]\w+$/);
        expect(get(document, 'metadata.name'), file.path).toBeTypeOf('string');
      }
    }
  });

  it('only sets chart values that exist', () => {
    const unknown: string[] = [];
    const compare = (overlay: unknown, defaults: unknown, path: string, file: string) => {
      if (!isRecord(overlay)) return;
      for (const [key, value] of Object.entries(overlay)) {
        const here = path ? `${path}.${key}` : key;
        if (!isRecord(defaults) || !(key in defaults)) unknown.push(`${file}: ${here}`);
        // `config` is the router document (validated by core); empty maps are free-form.
        else if (
          here !== 'config' &&
          isRecord(defaults[key]) &&
          Object.keys(defaults[key] as object).length > 0
        )
          compare(value, defaults[key], here, file);
      }
    };
    for (const file of manifests.filter((entry) => entry.kind === 'semroute-values'))
      compare(file.documents[0], chartDefaults, '', file.path);
    expect(unknown).toEqual([]);
  });
});

describe.each(examples)('gateway example %s', (example) => {
  const { config, objects } = exampleSetup(example);
  const models = routableModels(config);

  it('carries a semroute config that @semroute/core accepts, with route-cache clearing on', () => {
    expect(config.version).toBe('v0.3');
    expect(config.global.router.clear_route_cache).toBe(true);
    expect(models.length).toBeGreaterThanOrEqual(2);
    if (objects)
      expect(servicePorts(objects).get('grpc') ?? DEFAULT_PORTS.extproc).toBe(DEFAULT_PORTS.extproc);
  });

  it('writes the same name into x-selected-model and the body, so header and body routing agree', () => {
    for (const model of models) expect(model.bodyModel).toBe(model.headerValue);
  });

  it("points at the chart's Service name and ports", () => {
    const service = serviceOf(example);
    const references = filesOf(example).flatMap(semrouteReferences);
    const expectsExtProc = EXT_PROC_EXAMPLES.includes(example);
    if (expectsExtProc) expect(references.length).toBeGreaterThan(0);
    if (HTTP_PROXY_EXAMPLES.includes(example))
      expect(references.some((reference) => reference.port === DEFAULT_PORTS.http)).toBe(true);
    const fqdn = `${service.name}.${service.namespace}.svc.cluster.local`;
    for (const reference of references) {
      if (example === 'envoy') {
        // docker-compose: the ext_proc cluster resolves the compose service `semroute`.
        const compose = documentsOf(example, 'compose')[0];
        expect(Object.keys((get(compose, 'services') as object) ?? {}), reference.via).toContain(
          reference.host,
        );
        expect(reference.port, reference.via).toBe(DEFAULT_PORTS.extproc);
        continue;
      }
      if (reference.host.includes('.')) expect(reference.host, reference.via).toBe(fqdn);
      else {
        expect(reference.host, reference.via).toBe(service.name);
        expect(reference.namespace ?? namespaceOf(example), reference.via).toBe(service.namespace);
      }
      const expected =
        reference.port === service.ports.get('http') && HTTP_PROXY_EXAMPLES.includes(example)
          ? service.ports.get('http')
          : service.ports.get('grpc');
      expect(reference.port, reference.via).toBe(expected);
      expect([DEFAULT_PORTS.extproc, DEFAULT_PORTS.http]).toContain(reference.port);
    }
  });

  it('configures every ext_proc filter the way semroute needs', () => {
    for (const file of filesOf(example)) {
      for (const document of file.documents) {
        for (const { config: filter, path } of findExtProcFilters(document)) {
          const where = `${file.path} ${path.join('.')}`;
          expect(get(filter, 'processing_mode.request_header_mode'), where).toBe('SEND');
          expect(['BUFFERED', 'STREAMED', 'BUFFERED_PARTIAL', 'FULL_DUPLEX_STREAMED'], where).toContain(
            get(filter, 'processing_mode.request_body_mode'),
          );
          expect(get(filter, 'processing_mode.response_header_mode'), where).toBe('SEND');
          expect(get(filter, 'processing_mode.response_body_mode'), where).toBe('NONE');
          expect(filter.allow_mode_override, where).toBe(true);
          expect(filter.failure_mode_allow, where).toBeTypeOf('boolean');
          expect(filter.message_timeout, where).toMatch(/^\d+(\.\d+)?s$/);
          expect(
            Number.parseFloat(filter.message_timeout as string),
            `${where}: above Envoy's 200 ms default`,
          ).toBeGreaterThan(0.2);
          expect(filter.route_cache_action ?? 'DEFAULT', where).not.toBe('RETAIN');
        }
        if (document.kind === 'EnvoyPatchPolicy') {
          const listenerPatch = (get(document, 'spec.jsonPatches') as Record<string, unknown>[]).find(
            (patch) => findExtProcFilters(patch).length > 0,
          );
          // First HTTP filter, ahead of the gateway's own ext_proc (AI Gateway, AIBrix plugin).
          expect(get(listenerPatch, 'operation.path'), file.path).toBe(
            '/default_filter_chain/filters/0/typed_config/http_filters/0',
          );
          expect(get(listenerPatch, 'name'), file.path).toBe(
            `${get(document, 'metadata.namespace')}/${get(document, 'spec.targetRef.name')}/http`,
          );
        }
        if (document.kind === 'EnvoyFilter') {
          for (const patch of get(document, 'spec.configPatches') as unknown[])
            expect(get(patch, 'patch.operation'), file.path).toBe('INSERT_FIRST');
        }
        if (document.kind === 'EnvoyExtensionPolicy') {
          for (const extProc of get(document, 'spec.extProc') as unknown[]) {
            expect(get(extProc, 'processingMode.allowModeOverride'), file.path).toBe(true);
            expect(get(extProc, 'processingMode.request.body'), file.path).toBe('Buffered');
            expect(get(extProc, 'failOpen'), file.path).toBe(false);
          }
        }
        if (document.kind === 'AgentgatewayPolicy') {
          const options = get(document, 'spec.traffic.extProc.processingOptions');
          expect(get(options, 'requestHeaderMode'), file.path).toBe('Send');
          expect(['Buffered', 'FullDuplexStreamed']).toContain(get(options, 'requestBodyMode'));
          expect(get(options, 'responseHeaderMode'), file.path).toBe('Send');
          expect(get(options, 'allowModeOverride'), file.path).toBe(true);
        }
        if (document.kind === 'AgentgatewayBackend') {
          // A fixed model would overwrite the model semroute wrote into the body.
          expect(get(document, 'spec.ai.provider.openai.model'), file.path).toBeUndefined();
        }
      }
    }
  });

  it("matches only semroute's header names (or the gateway's own) in route rules", () => {
    const semrouteHeaders = new Set<string>(Object.values(HEADERS));
    for (const file of filesOf(example)) {
      for (const match of file.documents.flatMap(findHeaderMatches)) {
        expect(
          semrouteHeaders.has(match.name) || GATEWAY_HEADERS.has(match.name),
          `${file.path}: header ${match.name}`,
        ).toBe(true);
      }
    }
  });

  it('routes every model semroute can select, and nothing else', () => {
    const headerValues = new Set(models.map((model) => model.headerValue));
    const bodyModels = new Set(models.map((model) => model.bodyModel));
    const matches = documentsOf(example).flatMap(findHeaderMatches);
    const routedBy = (header: string) =>
      new Set(matches.filter((match) => match.name === header).map((match) => match.value));
    switch (example) {
      case 'envoy':
      case 'agentgateway':
      case 'istio':
      case 'llm-d':
        expect(routedBy(HEADERS.selectedModel)).toEqual(headerValues);
        break;
      case 'envoy-ai-gateway': {
        expect(routedBy('x-ai-eg-model')).toEqual(bodyModels);
        const alternative = filesOf(example).find((file) =>
          file.path.endsWith('envoy-extension-policy.yaml'),
        );
        expect(
          new Set(alternative?.documents.flatMap(findHeaderMatches).map((match) => match.value)),
        ).toEqual(headerValues);
        break;
      }
      case 'aibrix': {
        const labelled = new Set(
          documentsOf(example)
            .filter((document) => document.kind === 'Deployment')
            .map((document) => get(document, 'metadata.labels'))
            .map((labels) => (labels as Record<string, string>)['model.aibrix.ai/name']),
        );
        expect(labelled).toEqual(bodyModels);
        break;
      }
      case 'vllm-production-stack': {
        const stack = documentsOf(example, 'third-party-values')[0];
        const served = new Set(
          (get(stack, 'servingEngineSpec.modelSpec') as { modelURL: string }[]).map((spec) => spec.modelURL),
        );
        expect(served).toEqual(bodyModels);
        // Release "vllm" of the vllm-stack chart => Service vllm-router-service on port 80.
        for (const model of config.providers.models)
          for (const reference of model.backend_refs)
            expect(reference.endpoint).toBe('vllm-router-service.default.svc.cluster.local:80');
        break;
      }
      default:
        throw new Error(`no routing check for example ${example}`);
    }
  });
});

describe('gateway example envoy: static envoy.yaml', () => {
  const [bootstrap] = documentsOf('envoy', 'envoy-bootstrap');
  const filters = get(bootstrap, 'static_resources.listeners')
    ? ((get((get(bootstrap, 'static_resources.listeners') as unknown[])[0], 'filter_chains') as unknown[])
        .flatMap((chain) => get(chain, 'filters') as unknown[])
        .map((filter) => get(filter, 'typed_config.http_filters'))
        .find(Array.isArray) as { name: string; typed_config?: unknown }[])
    : [];

  it('strips client-sent x-selected-model before ext_proc and runs ext_proc before the router', () => {
    const names = filters.map((filter) => filter.name);
    expect(names).toEqual([
      'envoy.filters.http.header_mutation',
      'envoy.filters.http.ext_proc',
      'envoy.filters.http.router',
    ]);
    expect(get(filters[0]?.typed_config, 'mutations.request_mutations')).toEqual([
      { remove: HEADERS.selectedModel },
    ]);
  });

  it('has a cluster for each routed model and speaks HTTP/2 to semroute', () => {
    const clusters = get(bootstrap, 'static_resources.clusters') as Record<string, unknown>[];
    const clusterNames = new Set(clusters.map((cluster) => cluster.name));
    walk(get(bootstrap, 'static_resources.listeners'), (node) => {
      if (isRecord(node) && isRecord(node.route) && typeof node.route.cluster === 'string')
        expect(clusterNames).toContain(node.route.cluster);
    });
    const extProcCluster = clusters.find(
      (cluster) => cluster.name === get(filters[1]?.typed_config, 'grpc_service.envoy_grpc.cluster_name'),
    );
    expect(get(extProcCluster, 'typed_extension_protocol_options')).toBeDefined();
    walk(extProcCluster, (node) => {
      if (isRecord(node) && 'http2_protocol_options' in node)
        expect(node.http2_protocol_options).toBeDefined();
    });
  });

  it('publishes the compose ports of the semroute image defaults', () => {
    const compose = documentsOf('envoy', 'compose')[0];
    expect(get(compose, 'services.semroute.ports')).toContain(
      `${DEFAULT_PORTS.extproc}:${DEFAULT_PORTS.extproc}`,
    );
    expect(get(compose, 'services.semroute.ports')).toContain(
      `${DEFAULT_PORTS.metrics}:${DEFAULT_PORTS.metrics}`,
    );
    expect(get(compose, 'services.semroute.volumes')).toContain(
      './semroute.yaml:/etc/semroute/config.yaml:ro',
    );
  });
});
