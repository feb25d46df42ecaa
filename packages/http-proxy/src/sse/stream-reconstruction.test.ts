/**
 * The proxy rebuilds streamed responses for the cache with core's `createCompletionCollector`;
 * these are the cases the proxy relies on (chunks split anywhere, comments, [DONE], tool calls,
 * usage, malformed payloads).
 */
import { createCompletionCollector, createSseParser, reconstructCompletionFromSse } from '@semroute/core';
import { describe, expect, it } from 'vitest';

const encoder = new TextEncoder();
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 5, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

describe('stream reconstruction for the proxy cache write', () => {
  it('collects data payloads split across chunks and sees [DONE]', () => {
    const text =
      chunk({ role: 'assistant', content: '' }) +
      chunk({ content: 'Hel' }) +
      ': comment\n\n' +
      chunk({ content: 'lo' }, 'stop') +
      'data: [DONE]\n\n';
    const collector = createCompletionCollector();
    const parser = createSseParser();
    const events: string[] = [];
    for (let index = 0; index < text.length; index += 7) {
      const piece = encoder.encode(text.slice(index, index + 7));
      collector.push(piece);
      for (const event of parser.push(piece)) if (event.data !== '[DONE]') events.push(event.data);
    }
    expect(collector.done).toBe(true);
    expect(events).toHaveLength(3);
    const completion = collector.finish();
    expect(completion).toMatchObject({
      id: 'c1',
      object: 'chat.completion',
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
    });
  });

  it('reports an incomplete stream', () => {
    const collector = createCompletionCollector();
    collector.push(encoder.encode(chunk({ content: 'Hi' })));
    expect(collector.finish()).toBeUndefined();
    expect(collector.done).toBe(false);
  });

  it('merges tool call deltas and keeps usage', () => {
    const events = [
      {
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
      },
      {
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
      },
      {
        id: 'x',
        created: 1,
        model: 'm',
        choices: [],
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      },
    ];
    const body = `${events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('')}data: [DONE]\n\n`;
    const completion = reconstructCompletionFromSse(body)!;
    expect(completion.choices[0]!.message.tool_calls).toEqual([
      { id: 't1', type: 'function', function: { name: 'get', arguments: '{"a":1}' } },
    ]);
    expect(completion.usage).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
    expect(reconstructCompletionFromSse('data: not json\n\ndata: [DONE]\n\n')).toBeUndefined();
  });
});
