import { describe, expect, it } from 'vitest';
import { parseRouterConfig } from '../config/parse-router-config.js';
import { createRouter } from '../router/create-router.js';

const config = `version: v0.3
providers:
  models:
    - {name: small, backend_refs: [{endpoint: "h:1"}]}
    - {name: large, backend_refs: [{endpoint: "h:2"}]}
routing:
  signals:
    keywords:
      - {name: code, keywords: [function, compile, bug]}
      - {name: math, keywords: [integral, theorem, proof, lemma]}
      - {name: hard_words, keywords: [prove, optimise, rigorous]}
    context:
      - {name: long, min_tokens: 50}
  projections:
    partitions:
      - {name: topic, members: [{type: keyword, name: code}, {type: keyword, name: math}], temperature: 1}
    scores:
      - name: difficulty
        inputs:
          - {type: keyword, name: hard_words, weight: 0.6, value_source: binary}
          - {type: context, name: long, weight: 0.4, value_source: binary}
    mappings:
      - name: difficulty_band
        source: difficulty
        outputs:
          - {name: difficulty_high, gte: 0.6}
          - {name: difficulty_low, lt: 0.6}
  decisions:
    - {name: hard, priority: 10, rules: {operator: AND, conditions: [{type: projection, name: difficulty_high}]}, modelRefs: [{model: large}]}
    - {name: math_topic, priority: 5, rules: {operator: AND, conditions: [{type: keyword, name: math}]}, modelRefs: [{model: large}]}
    - {name: code_topic, priority: 5, rules: {operator: AND, conditions: [{type: keyword, name: code}]}, modelRefs: [{model: small}]}
    - {name: scored, priority: 1, rules: {operator: AND, conditions: [{type: projection, name: difficulty, predicate: {gt: 0.3}}]}, modelRefs: [{model: small}]}
    - {name: any_topic, priority: 0, rules: {operator: AND, conditions: [{type: projection, name: topic}]}, modelRefs: [{model: small}]}
`;

async function decide(text: string) {
  const router = await createRouter({ config: parseRouterConfig(config).config });
  const outcome = await router.route({
    body: { model: 'auto', messages: [{ role: 'user', content: text }] },
  });
  return outcome.explanation;
}

describe('projections', () => {
  it('weighted scores mapped to bands drive decisions', async () => {
    expect((await decide('prove it rigorous')).decision).toBe('hard');
    expect(
      (await decide(`please prove it ${'word '.repeat(300)}`)).matchedDecisions.map((entry) => entry.name),
    ).toContain('hard');
  });

  it('an exclusive partition keeps only the strongest member', async () => {
    const explanation = await decide('the integral theorem proof has a bug');
    // math matched 3 of 4 keywords, code 1 of 3: code is suppressed, math wins.
    const names = explanation.matchedDecisions.map((entry) => entry.name);
    expect(names).toContain('math_topic');
    expect(names).not.toContain('code_topic');
    const topic = explanation.signals.find(
      (signal) => signal.type === 'projection' && signal.name === 'topic',
    );
    expect(topic).toMatchObject({ status: 'matched', labels: ['math'] });
  });

  it('scores support leaf predicates and stay unmatched at zero', async () => {
    const explanation = await decide('fix this function');
    expect(explanation.matchedDecisions.map((entry) => entry.name)).toEqual(['code_topic', 'any_topic']);
    expect(explanation.signals.find((signal) => signal.name === 'difficulty')).toMatchObject({
      status: 'unmatched',
      confidence: 0,
    });
  });
});
