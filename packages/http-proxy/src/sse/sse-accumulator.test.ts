import { describe, expect, it } from 'vitest';
import { createSseAccumulator, reconstructCompletionFromEvents } from './sse-accumulator.js';

const encoder = new TextEncoder();
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 5, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

describe('createSseAccumulator', () => {
  it('collects data payloads split across chunks and sees [DONE]', () => {
    const text =
      chunk({ role: 'assistant', content: '' }) +
      chunk({ content: 'Hel' }) +
      ': comment\n\n' +
      chunk({ content: 'lo' }, 'stop') +
      'data: [DONE]\n\n';
    const accumulator = createSseAccumulator();
    for (let index = 0; index < text.length; index += 7)
      accumulator.push(encoder.encode(text.slice(index, index + 7)));
    accumulator.end();
    expect(accumulator.done).toBe(true);
    expect(accumulator.events).toHaveLength(3);
    const completion = reconstructCompletionFromEvents(accumulator.events);
    expect(completion).toMatchObject({
      id: 'c1',
      object: 'chat.completion',
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
    });
  });

  it('reports an incomplete stream', () => {
    const accumulator = createSseAccumulator();
    accumulator.push(encoder.encode(chunk({ content: 'Hi' })));
    accumulator.end();
    expect(accumulator.done).toBe(false);
  });

  it('merges tool call deltas and keeps usage', () => {
    const events = [
      JSON.stringify({
        id: 'x',
        created: 1,
        model: 'm',
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                { index: 0, id: 't1', type: 'function', function: { name: 'get', arguments: '{"a"' } },
              ],
            },
          },
        ],
      }),
      JSON.stringify({
        id: 'x',
        created: 1,
        model: 'm',
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] },
            finish_reason: 'tool_calls',
          },
        ],
      }),
      JSON.stringify({
        id: 'x',
        created: 1,
        model: 'm',
        choices: [],
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      }),
    ];
    const completion = reconstructCompletionFromEvents(events)!;
    expect(completion.choices[0]!.message.tool_calls).toEqual([
      { id: 't1', type: 'function', function: { name: 'get', arguments: '{"a":1}' } },
    ]);
    expect(completion.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
    expect(reconstructCompletionFromEvents(['not json'])).toBeUndefined();
  });
});
