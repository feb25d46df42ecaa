import OpenAI from 'openai';
import { startStack } from './start-stack.js';

const stack = await startStack();
const client = new OpenAI({ baseURL: `${stack.proxyUrl}/v1`, apiKey: 'unused' });

const completion = await client.chat.completions.create({
  model: 'auto',
  messages: [{ role: 'user', content: 'Compute the derivative of x^3 step by step' }],
});
console.log(`routed to ${completion.model}: ${completion.choices[0]?.message.content}`);

console.log(`\nproxy:     ${stack.proxyUrl}\nsimulator: ${stack.simulatorUrl}\n\ntry:\n`);
console.log(
  `curl -s ${stack.proxyUrl}/v1/chat/completions -H 'content-type: application/json' \\\n  -d '{"model":"auto","messages":[{"role":"user","content":"Is the plaintiff liable under this contract?"}]}'\n`,
);
console.log('Ctrl-C to stop.');
process.once('SIGINT', () => void stack.close());
process.once('SIGTERM', () => void stack.close());
