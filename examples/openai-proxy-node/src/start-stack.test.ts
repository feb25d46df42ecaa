import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './start-stack.js';

describe('openai-proxy-node example', () => {
  let stack: Stack;
  let client: OpenAI;
  beforeAll(async () => {
    stack = await startStack({ proxyPort: 0, simulatorPort: 0 });
    client = new OpenAI({ baseURL: `${stack.proxyUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('routes a maths prompt to math-expert and a legal one to law-expert (streaming)', async () => {
    const maths = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'Compute the derivative of x^3' }],
    });
    expect(maths.model).toBe('math-expert');
    const stream = await client.chat.completions.create({
      model: 'auto',
      stream: true,
      messages: [{ role: 'user', content: 'Is the plaintiff liable under this contract?' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.startsWith('[law-expert]')).toBe(true);
  });
});
