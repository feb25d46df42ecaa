/**
 * The gateway itself: a Hono app whose chat-completions handler asks the semroute router where
 * the request goes, answers immediate outcomes (policy blocks, errors) itself, and forwards
 * upstream outcomes with fetch to a backend of the chosen model. Routing logic lives in the
 * router; this file is only transport, which is what you would write in your own gateway.
 */
import type { RouteOutcome, Router } from '@semroute/core';
import { Hono } from 'hono';

/** Base URL of the first backend of a logical model (providers.models[].name). */
function backendUrl(router: Router, model: string): string | undefined {
  const ref = router.config.providers.models.find((entry) => entry.name === model)?.backend_refs[0];
  if (!ref?.endpoint) return undefined;
  const scheme = ref.protocol === 'https' ? 'https' : 'http';
  return /^https?:\/\//.test(ref.endpoint) ? ref.endpoint : `${scheme}://${ref.endpoint}`;
}

const HOP_BY_HOP = ['connection', 'content-length', 'content-encoding', 'transfer-encoding', 'keep-alive'];

export function createGateway(options: { readonly router: Router }): Hono {
  const { router } = options;
  const app = new Hono();

  app.get('/healthz', (c) => c.text('ok'));
  app.get('/v1/models', (c) => c.json(router.listModels()));

  app.post('/v1/chat/completions', async (c) => {
    const signal = c.req.raw.signal;
    const outcome: RouteOutcome = await router.route(
      { body: await c.req.text(), headers: c.req.header(), path: c.req.path },
      { signal },
    );
    if (outcome.type === 'immediate') {
      return new Response(outcome.body, { status: outcome.status, headers: outcome.headers });
    }

    const base = backendUrl(router, outcome.selectedModel);
    if (!base) return c.json({ error: { message: `no backend for ${outcome.selectedModel}` } }, 502);
    const headers = new Headers({ 'content-type': 'application/json' });
    const authorization = c.req.header('authorization');
    if (authorization) headers.set('authorization', authorization);
    for (const [name, value] of Object.entries(outcome.requestHeaders.set)) headers.set(name, value);
    for (const name of outcome.requestHeaders.remove) headers.delete(name);

    const upstream = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: outcome.bodyText,
      signal,
    });
    // Stream the backend's answer through (SSE included), plus semroute's x-vsr-* headers.
    const responseHeaders = new Headers(upstream.headers);
    for (const name of HOP_BY_HOP) responseHeaders.delete(name);
    for (const [name, value] of Object.entries(outcome.responseHeaders)) responseHeaders.set(name, value);
    return new Response(upstream.body, { status: upstream.status, headers: responseHeaders });
  });

  return app;
}
