import { createCompletionCollector } from '@semroute/core';
import { describe, expect, it } from 'vitest';
import { createSseParser, type SseEvent } from './sse.js';

const encoder = new TextEncoder();

function parseAll(pieces: readonly (string | Uint8Array)[]): SseEvent[] {
  const parser = createSseParser();
  const events: SseEvent[] = [];
  for (const piece of pieces)
    events.push(...parser.push(typeof piece === 'string' ? encoder.encode(piece) : piece));
  events.push(...parser.end());
  return events;
}

describe('createSseParser', () => {
  const stream = 'data: {"a":1}\n\nevent: ping\ndata: x\ndata: y\n\n: comment\n\ndata: [DONE]\n\n';

  it('yields the same events however the bytes are cut', () => {
    const whole = parseAll([stream]);
    expect(whole).toEqual([
      { event: undefined, data: '{"a":1}' },
      { event: 'ping', data: 'x\ny' },
      { event: undefined, data: '[DONE]' },
    ]);
    const bytes = encoder.encode(stream);
    expect(parseAll(Array.from(bytes, (_, index) => bytes.subarray(index, index + 1)))).toEqual(whole);
    for (let cut = 1; cut < bytes.length; cut++)
      expect(parseAll([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(whole);
  });

  it('handles CRLF and CR line ends, including a CRLF split across chunks', () => {
    expect(parseAll(['data: a\r', '\n\r\ndata: b\r\rdata: c\n\n'])).toEqual([
      { event: undefined, data: 'a' },
      { event: undefined, data: 'b' },
      { event: undefined, data: 'c' },
    ]);
  });

  it('keeps multi-byte UTF-8 split across chunks intact', () => {
    const bytes = encoder.encode('data: héllo 🌍\n\n');
    expect(parseAll([bytes.subarray(0, 8), bytes.subarray(8, 15), bytes.subarray(15)])).toEqual([
      { event: undefined, data: 'héllo 🌍' },
    ]);
  });

  it('drops a final event without its blank line', () => {
    expect(parseAll(['data: a\n\ndata: partial'])).toEqual([{ event: undefined, data: 'a' }]);
  });
});

// The session rebuilds streams with core's collector, fed the events of the parser above.
describe('createCompletionCollector, fed parsed events as the session does', () => {
  const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    ({
      data: JSON.stringify({
        id: 'c1',
        object: 'chat.completion.chunk',
        created: 5,
        model: 'm',
        choices: [{ index: 0, delta, finish_reason: null, ...extra }],
      }),
    }) as SseEvent;

  it('rebuilds content, reasoning, tool calls, finish_reason and usage; complete only at [DONE]', () => {
    const accumulator = createCompletionCollector();
    accumulator.pushEvent(chunk({ role: 'assistant', content: '' }));
    expect(accumulator.firstContentSeen).toBe(false);
    accumulator.pushEvent(chunk({ content: 'Hel', reasoning_content: 'think' }));
    accumulator.pushEvent(chunk({ content: 'lo' }));
    accumulator.pushEvent(
      chunk({
        tool_calls: [{ index: 0, id: 't1', type: 'function', function: { name: 'get', arguments: '{"a"' } }],
      }),
    );
    accumulator.pushEvent(
      chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, { finish_reason: 'tool_calls' }),
    );
    accumulator.pushEvent({
      data: JSON.stringify({
        id: 'c1',
        choices: [],
        usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
      }),
    });
    expect(accumulator.finish()).toBeUndefined();
    accumulator.pushEvent({ data: '[DONE]' });
    expect(accumulator.done).toBe(true);
    expect(accumulator.firstContentSeen).toBe(true);
    expect(accumulator.finish()).toEqual({
      id: 'c1',
      object: 'chat.completion',
      created: 5,
      model: 'm',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hello',
            reasoning_content: 'think',
            tool_calls: [{ id: 't1', type: 'function', function: { name: 'get', arguments: '{"a":1}' } }],
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
  });

  it('ignores malformed events', () => {
    const accumulator = createCompletionCollector();
    accumulator.pushEvent({ data: 'not json' });
    accumulator.pushEvent({ data: '[DONE]' });
    expect(accumulator.finish()).toBeUndefined();
  });

  it('refuses to rebuild a stream with a malformed chunk among valid ones', () => {
    const accumulator = createCompletionCollector();
    const valid = (content: string) => ({
      data: JSON.stringify({
        id: 'c',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { content }, finish_reason: null }],
      }),
    });
    accumulator.pushEvent(valid('Hel'));
    accumulator.pushEvent({ data: '{"truncated' });
    accumulator.pushEvent(valid('lo'));
    accumulator.pushEvent({ data: '[DONE]' });
    // [DONE] arrived, but a stream with a hole is never done and never rebuilt.
    expect(accumulator.done).toBe(false);
    expect(accumulator.finish()).toBeUndefined();
  });
});
