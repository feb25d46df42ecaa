/**
 * Cheap fuzzing of the two parsers that face untrusted input: the config parser and the
 * request path of `route()`. Neither may throw anything but a ConfigError, nor crash.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRouterConfig } from '../config/parse-router-config.js';
import { ConfigError } from '../errors/config-error.js';
import { createRouter } from './create-router.js';

const quickstart = readFileSync(
  new URL('../../../../examples/quickstart/keywords.yaml', import.meta.url),
  'utf8',
);

describe('fuzz', () => {
  it('parseRouterConfig only ever throws ConfigError, for random text and mutated configs', () => {
    const mutated = fc
      .tuple(fc.nat(quickstart.length), fc.nat(40), fc.string({ maxLength: 20 }))
      .map(([at, cut, insert]) => quickstart.slice(0, at) + insert + quickstart.slice(at + cut));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), mutated), (text) => {
        try {
          parseRouterConfig(text);
        } catch (error) {
          if (!ConfigError.isInstance(error)) throw error;
          expect(error.issues.length).toBeGreaterThan(0);
          for (const issue of error.issues) expect(typeof issue.message).toBe('string');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('route() answers every body with an outcome, never a rejection', async () => {
    const router = await createRouter({ config: parseRouterConfig(quickstart).config });
    const message = fc.record(
      {
        role: fc.oneof(fc.constantFrom('user', 'system', 'assistant', 'tool'), fc.string()),
        content: fc.oneof(
          fc.string(),
          fc.constant(null),
          fc.array(
            fc.record({
              type: fc.constantFrom('text', 'image_url'),
              text: fc.oneof(fc.string(), fc.integer()),
            }),
          ),
        ),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.string(),
      fc.uint8Array({ maxLength: 64 }),
      fc.jsonValue(),
      fc.record(
        {
          model: fc.oneof(
            fc.constantFrom('auto', 'MoM', 'base-model', 'math-expert'),
            fc.string(),
            fc.integer(),
          ),
          messages: fc.oneof(fc.array(message, { maxLength: 5 }), fc.string()),
          stream: fc.oneof(fc.boolean(), fc.string()),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const outcome = await router.route({ body: value });
        if (outcome.type === 'immediate') {
          expect(outcome.status).toBeGreaterThanOrEqual(200);
          if (outcome.reason === 'error')
            expect(JSON.parse(outcome.body).error.message).toEqual(expect.any(String));
        } else {
          expect(JSON.parse(outcome.bodyText).model).toEqual(expect.any(String));
        }
      }),
      { numRuns: 400 },
    );
  });
});
