import { describe, expect, it } from 'vitest';
import { chat, configText, routerFor } from '../../test/fixtures.js';
import { createJsonLogger, createRequestLogger } from './create-json-logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (line: string) => lines.push(JSON.parse(line)) } };
}

describe('structured logs', () => {
  it('logs one JSON line per request with request id, decision, model and latency, and no prompt', async () => {
    const { lines, destination } = capture();
    const logger = createJsonLogger({ destination, base: { service: 'semroute' } });
    const router = await routerFor(configText());
    const prompt = 'the derivative of secret-value 4111 1111 1111 1111';
    const outcome = await router.route(chat(prompt));
    createRequestLogger(logger).logRoute(outcome, {
      requestId: 'req-42',
      status: 200,
      latencyMs: 12.3456,
      prompt,
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'request routed',
      service: 'semroute',
      request_id: 'req-42',
      decision: 'math',
      model: 'math-expert',
      response_path: 'upstream',
      latency_ms: 12.346,
      matched_signals: ['keyword:math_vocab'],
      routing_latency_ms: expect.any(Number),
      time: expect.any(String),
    });
    expect(JSON.stringify(lines)).not.toContain('4111');
    expect(JSON.stringify(lines)).not.toContain('derivative'); // neither the prompt nor matched keywords
  });

  it('redacts prompts and secrets logged by anyone, unless prompts are enabled', () => {
    const { lines, destination } = capture();
    const logger = createJsonLogger({ destination });
    logger.info({ messages: [{ content: 'private' }], prompt: 'private', authorization: 'Bearer sk-1' }, 'x');
    expect(lines[0]).toMatchObject({
      messages: '[redacted]',
      prompt: '[redacted]',
      authorization: '[redacted]',
    });

    const verbose = capture();
    const promptLogger = createJsonLogger({ destination: verbose.destination, logPrompts: true });
    promptLogger.info({ prompt: 'visible', authorization: 'Bearer sk-1' }, 'x');
    expect(verbose.lines[0]).toMatchObject({ prompt: 'visible', authorization: '[redacted]' });
  });

  it('logs the prompt only when enabled, and rejected requests as warnings', async () => {
    const { lines, destination } = capture();
    const logger = createJsonLogger({ destination, logPrompts: true, level: 'debug' });
    const router = await routerFor(configText());
    createRequestLogger(logger, { logPrompts: true }).logRoute(await router.route(chat('hello')), {
      prompt: 'hello',
    });
    createRequestLogger(logger, { logPrompts: true }).logRoute(await router.route({ body: '{' }));
    expect(lines[0]).toMatchObject({ prompt: 'hello', decision: 'general' });
    expect(lines[1]).toMatchObject({ level: 'warn', msg: 'request rejected', status: 400 });
  });
});
