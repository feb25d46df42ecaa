import { describe, expect, it } from 'vitest';
import type { ChatCompletion } from './chat-types.js';
import { createCompletionCollector, reconstructCompletionFromSse } from './reconstruct-completion.js';
import { renderCompletionAsSse } from './render-completion-sse.js';

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'qwen', choices, ...extra })}\n\n`;

const stream = [
  chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
  chunk([{ index: 0, delta: { reasoning_content: 'Think ' }, finish_reason: null }]),
  chunk([{ index: 0, delta: { reasoning_content: 'hard.' }, finish_reason: null }]),
  chunk([{ index: 0, delta: { content: 'Hello' }, finish_reason: null }]),
  chunk([{ index: 0, delta: { content: ', world' }, finish_reason: null }]),
  chunk([
    {
      index: 0,
      delta: {
        tool_calls: [
          { index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"ci' } },
        ],
      },
      finish_reason: null,
    },
  ]),
  chunk([
    {
      index: 0,
      delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] },
      finish_reason: null,
    },
  ]),
  chunk([
    {
      index: 0,
      delta: {
        tool_calls: [
          { index: 1, id: 'call_b', type: 'function', function: { name: 'noop', arguments: '{}' } },
        ],
      },
      finish_reason: null,
    },
  ]),
  chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
  chunk([], { usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } }),
  'data: [DONE]\n\n',
].join('');

describe('reconstructCompletionFromSse', () => {
  it('merges content, reasoning, tool calls, finish reason and usage', () => {
    const completion = reconstructCompletionFromSse(stream);
    expect(completion).toMatchObject({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1700000000,
      model: 'qwen',
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: 'Hello, world',
            reasoning_content: 'Think hard.',
            tool_calls: [
              {
                id: 'call_a',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
              { id: 'call_b', type: 'function', function: { name: 'noop', arguments: '{}' } },
            ],
          },
        },
      ],
    });
  });

  it('reports the first content (text, reasoning or a tool call) and the usage as they arrive', () => {
    const collector = createCompletionCollector();
    const events = stream
      .split('\n\n')
      .filter(Boolean)
      .map((event) => `${event}\n\n`);
    const seen: boolean[] = [];
    for (const event of events) {
      collector.push(event);
      seen.push(collector.firstContentSeen);
    }
    // The role chunk with empty content is not content; the first reasoning chunk is.
    expect(seen.slice(0, 3)).toEqual([false, true, true]);
    expect(collector.usage).toEqual({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 });
    const tools = createCompletionCollector();
    tools.push(chunk([{ index: 0, delta: { role: 'assistant' }, finish_reason: null }]));
    expect(tools.firstContentSeen).toBe(false);
    expect(tools.usage).toBeUndefined();
    tools.push(
      chunk([
        {
          index: 0,
          delta: {
            tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'f', arguments: '' } }],
          },
          finish_reason: null,
        },
      ]),
    );
    expect(tools.firstContentSeen).toBe(true);
  });

  it('gives the same result for any byte split', () => {
    const bytes = new TextEncoder().encode(stream);
    const whole = reconstructCompletionFromSse(stream);
    for (const size of [1, 3, 17, 64]) {
      const parts: Uint8Array[] = [];
      for (let start = 0; start < bytes.length; start += size) parts.push(bytes.slice(start, start + size));
      expect(reconstructCompletionFromSse(parts)).toEqual(whole);
    }
  });

  it('is undefined without data: [DONE], on malformed JSON and on an error event', () => {
    expect(reconstructCompletionFromSse(stream.replace('data: [DONE]\n\n', ''))).toBeUndefined();
    expect(reconstructCompletionFromSse(`data: {broken\n\n${stream}`)).toBeUndefined();
    expect(
      reconstructCompletionFromSse(`data: {"error":{"message":"boom"}}\n\ndata: [DONE]\n\n`),
    ).toBeUndefined();
    const collector = createCompletionCollector();
    collector.push(stream.slice(0, 100));
    expect(collector.done).toBe(false);
    collector.push(stream.slice(100));
    expect(collector.done).toBe(true);
  });

  it('accepts the `reasoning` delta field some servers use', () => {
    const text = chunk([{ index: 0, delta: { reasoning: 'r' }, finish_reason: 'stop' }]) + 'data: [DONE]\n\n';
    expect(reconstructCompletionFromSse(text)?.choices[0]?.message.reasoning_content).toBe('r');
  });
});

describe('renderCompletionAsSse', () => {
  const completion: ChatCompletion = {
    id: 'chatcmpl-9',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'The answer is 42.',
          reasoning_content: 'Deep thought',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }],
        },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
  };

  it('ends with data: [DONE] and round-trips through reconstruction', () => {
    for (const chunkSize of [undefined, 4]) {
      const frames = renderCompletionAsSse(completion, chunkSize ? { chunkSize } : {});
      expect(frames.at(-1)).toBe('data: [DONE]\n\n');
      for (const frame of frames.slice(0, -1))
        expect(JSON.parse(frame.slice(6)).object).toBe('chat.completion.chunk');
      const rebuilt = reconstructCompletionFromSse(frames);
      expect(rebuilt).toMatchObject({
        id: completion.id,
        model: 'm',
        usage: completion.usage,
        choices: [{ finish_reason: 'stop', message: completion.choices[0]?.message }],
      });
    }
  });

  it('omits the usage chunk on request', () => {
    const frames = renderCompletionAsSse(completion, { includeUsage: false });
    expect(frames.some((frame) => frame.includes('"usage"'))).toBe(false);
  });
});
