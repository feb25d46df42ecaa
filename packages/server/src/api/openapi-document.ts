/**
 * Builds the OpenAPI 3.1 document served at `/openapi.json` from the API's route table, so the
 * document cannot drift from the endpoints.
 *
 * @module
 */
import type { ApiRoute } from './create-management-api.js';

const TEXT_REQUEST = {
  type: 'object',
  required: ['text'],
  properties: { text: { type: 'string' }, options: { type: 'object' } },
};

const REQUEST_SCHEMAS: Record<string, unknown> = {
  '/api/v1/classify/intent': TEXT_REQUEST,
  '/api/v1/classify/pii': TEXT_REQUEST,
  '/api/v1/classify/security': TEXT_REQUEST,
  '/api/v1/classify/combined': {
    ...TEXT_REQUEST,
    properties: {
      ...TEXT_REQUEST.properties,
      tasks: { type: 'array', items: { enum: ['intent', 'pii', 'security'] } },
    },
  },
  '/api/v1/classify/batch': {
    type: 'object',
    required: ['texts'],
    properties: {
      texts: { type: 'array', items: { type: 'string' } },
      task_type: { enum: ['intent', 'pii', 'security', 'all'] },
      options: { type: 'object' },
    },
  },
  '/api/v1/eval': {
    type: 'object',
    properties: {
      text: { type: 'string' },
      messages: { type: 'array' },
      model: { type: 'string' },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
    },
  },
  '/api/v1/embeddings': {
    type: 'object',
    required: ['texts'],
    properties: {
      texts: { type: 'array', items: { type: 'string' } },
      model: { type: 'string' },
      dimension: { type: 'integer' },
    },
  },
  '/api/v1/response-cache/invalidate': {
    type: 'object',
    description: 'Exactly one of key, decision or scope',
    properties: {
      key: { type: 'string', description: 'Entry key, as reported with a hit' },
      decision: { type: 'string' },
      scope: {
        type: 'object',
        required: ['kind'],
        properties: {
          kind: { enum: ['user', 'team', 'tenant', 'global'] },
          id: { type: 'string', description: 'Identity; omitted: the anonymous namespace' },
        },
      },
    },
  },
  '/api/v1/similarity': {
    type: 'object',
    required: ['text1', 'text2'],
    properties: { text1: { type: 'string' }, text2: { type: 'string' }, model: { type: 'string' } },
  },
};

export function buildOpenApiDocument(
  routes: readonly ApiRoute[],
  options: { readonly version: string; readonly auth: boolean },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operation: Record<string, unknown> = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[^a-zA-Z0-9]+(.)?/g, (_match, next: string | undefined) => (next ?? '').toUpperCase())}`,
      responses: {
        '200': { description: 'OK' },
        ...(route.permission
          ? {
              '401': { description: 'Missing or invalid bearer token' },
              '403': { description: 'Token lacks the permission' },
            }
          : {}),
        ...(route.method !== 'GET'
          ? { '400': { description: 'Invalid JSON or input' }, '413': { description: 'Body too large' } }
          : {}),
      },
      ...(route.permission ? { 'x-semroute-permission': route.permission } : {}),
      ...(route.permission && options.auth ? { security: [{ bearer: [] }] } : {}),
    };
    const schema = REQUEST_SCHEMAS[route.path];
    if (schema && route.method === 'POST')
      operation.requestBody = { required: true, content: { 'application/json': { schema } } };
    if (route.method === 'PUT' || route.path === '/config/router/validate')
      operation.requestBody = {
        required: true,
        content: { 'application/yaml': { schema: { type: 'string' } } },
      };
    const entry = paths[route.path] ?? {};
    entry[route.method.toLowerCase()] = operation;
    paths[route.path] = entry;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'semroute management and classification API', version: options.version },
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  };
}
