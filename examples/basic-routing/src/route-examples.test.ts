import { expect, it } from 'vitest';
import { routeExamples } from './route-examples.js';

it('routes the example prompts to the expected decisions', async () => {
  const results = await routeExamples();
  expect(results.map((result) => [result.decision, result.outcome])).toEqual([
    ['math', 'upstream → math-expert'],
    ['law', 'upstream → law-expert'],
    ['block_jailbreak', 'immediate 200 (fast_response)'],
    ['general', 'upstream → general-expert'],
  ]);
});
