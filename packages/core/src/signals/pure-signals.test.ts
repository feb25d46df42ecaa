import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '../openai/chat-types.js';
import { createAuthzSignal } from './authz-signal.js';
import { buildSignalInput, estimateTokens } from './build-signal-input.js';
import { createContextSignal } from './context-signal.js';
import { createConversationSignal } from './conversation-signal.js';
import { createMetadataSignal } from './metadata-signal.js';
import { createStructureSignal } from './structure-signal.js';

const request = (
  messages: ChatCompletionRequest['messages'],
  extra: Record<string, unknown> = {},
): ChatCompletionRequest => ({ model: 'auto', messages, ...extra });
const user = (content: string) => ({ role: 'user', content });

describe('pure signals', () => {
  it('context: token range with inclusive bounds', () => {
    const signal = createContextSignal({ name: 'long', min_tokens: 100, max_tokens: 200 });
    const sized = (tokens: number) => buildSignalInput(request([user('x'.repeat((tokens - 4) * 4))]), {});
    expect(sized(99).tokenCount).toBe(99);
    expect(signal.extract(sized(99), {})).toMatchObject({ status: 'unmatched' });
    expect(signal.extract(sized(100), {})).toMatchObject({ status: 'matched', confidence: 1 });
    expect(signal.extract(sized(200), {})).toMatchObject({ status: 'matched' });
    expect(signal.extract(sized(201), {})).toMatchObject({ status: 'unmatched' });
  });

  it('estimates CJK text at one token per character', () => {
    expect(estimateTokens('数学问题')).toBe(4);
    expect(estimateTokens('abcdefgh')).toBe(2);
  });

  it('structure: regex count, keyword-set existence, ordered sequences, density and bytes', () => {
    const input = buildSignalInput(
      request([user('Step 1: read. Step 2: think. First gather, then analyse, finally report. 数学')]),
      {},
    );
    const count = createStructureSignal({
      name: 's',
      feature: { type: 'count', source: { type: 'regex', pattern: 'step \\d', case_sensitive: false } },
      predicate: { gte: 2 },
    });
    expect(count.extract(input, {})).toMatchObject({ status: 'matched', evidence: ['count=2'] });
    const tooMany = createStructureSignal({
      name: 's',
      feature: { type: 'count', source: { type: 'regex', pattern: 'step \\d', case_sensitive: false } },
      predicate: { gt: 2 },
    });
    expect(tooMany.extract(input, {})).toMatchObject({ status: 'unmatched' });
    const sequence = createStructureSignal({
      name: 'q',
      feature: {
        type: 'exists',
        source: { type: 'sequence', sequences: [['first', 'then', 'finally']], case_sensitive: false },
      },
      predicate: {},
    });
    expect(sequence.extract(input, {})).toMatchObject({ status: 'matched' });
    const reversed = createStructureSignal({
      name: 'q',
      feature: {
        type: 'exists',
        source: { type: 'sequence', sequences: [['finally', 'first']], case_sensitive: false },
      },
      predicate: {},
    });
    expect(reversed.extract(input, {})).toMatchObject({ status: 'unmatched' });
    const bytes = createStructureSignal({
      name: 'b',
      feature: { type: 'count', source: { type: 'text_bytes', case_sensitive: false } },
      predicate: { gt: 70, lt: 90 },
    });
    expect(bytes.extract(input, {})).toMatchObject({ status: 'matched' });
    const density = createStructureSignal({
      name: 'd',
      feature: {
        type: 'density',
        source: { type: 'keyword_set', keywords: ['step', 'then'], case_sensitive: false },
      },
      predicate: { gte: 0.2 },
    });
    expect(density.extract(input, {})).toMatchObject({ status: 'matched' });
  });

  it('conversation: message counts by role, tools, active tool loops and images', () => {
    const body = request(
      [
        { role: 'system', content: 's' },
        user('first'),
        { role: 'assistant', content: null, tool_calls: [{ id: '1' }] },
        { role: 'tool', content: 'result', tool_call_id: '1' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'data:' } },
          ],
        },
      ],
      {
        tools: [
          { type: 'function', function: { name: 'a' } },
          { type: 'function', function: { name: 'b' } },
        ],
      },
    );
    const input = buildSignalInput(body, {});
    const make = (
      source: Record<string, unknown>,
      predicate: Record<string, number>,
      type: 'count' | 'exists' = 'count',
    ) =>
      createConversationSignal({ name: 'c', feature: { type, source }, predicate } as never).extract(
        input,
        {},
      );
    expect(make({ type: 'message', role: 'user' }, { gte: 2 })).toMatchObject({ status: 'matched' });
    expect(make({ type: 'message', role: 'non_user' }, { gte: 4 })).toMatchObject({ status: 'unmatched' });
    expect(make({ type: 'tool_definition' }, { gte: 2, lte: 2 })).toMatchObject({ status: 'matched' });
    expect(make({ type: 'active_tool_loop' }, {}, 'exists')).toMatchObject({ status: 'unmatched' });
    expect(make({ type: 'image_content' }, { gte: 1 })).toMatchObject({ status: 'matched' });
    expect(input.text).toBe('look');
    expect(input.messages.at(-1)!.hasNonTextParts).toBe(true);
  });

  it('authz: users and groups from trusted identity headers', () => {
    const signal = createAuthzSignal({
      name: 'premium',
      role: 'premium',
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'Group', name: 'pro' },
      ],
    });
    const withHeaders = (headers: Record<string, string>) => buildSignalInput(request([user('hi')]), headers);
    expect(signal.extract(withHeaders({ 'x-authz-user-id': 'alice' }), {})).toMatchObject({
      status: 'matched',
      labels: ['premium'],
    });
    expect(
      signal.extract(withHeaders({ 'x-authz-user-id': 'bob', 'x-authz-user-groups': 'free, pro' }), {}),
    ).toMatchObject({ status: 'matched', evidence: ['group:pro'] });
    expect(signal.extract(withHeaders({ 'x-authz-user-id': 'bob' }), {})).toMatchObject({
      status: 'unmatched',
    });
    const custom = createAuthzSignal(
      { name: 'p', role: 'r', subjects: [{ kind: 'User', name: 'carol' }] },
      { userIdHeader: 'X-User' },
    );
    expect(custom.extract(withHeaders({ 'x-user': 'carol' }), {})).toMatchObject({ status: 'matched' });
  });

  it('metadata: body metadata first, header fallback, equals / in / exists', () => {
    const equals = createMetadataSignal({ name: 'm', key: 'tier', predicate: { equals: 'gold' } });
    expect(
      equals.extract(buildSignalInput(request([user('x')], { metadata: { tier: 'gold' } }), {}), {}),
    ).toMatchObject({ status: 'matched' });
    expect(
      equals.extract(buildSignalInput(request([user('x')]), { 'x-vsr-metadata-tier': 'gold' }), {}),
    ).toMatchObject({ status: 'matched' });
    expect(
      equals.extract(buildSignalInput(request([user('x')], { metadata: { tier: 'silver' } }), {}), {}),
    ).toMatchObject({ status: 'unmatched' });
    const inList = createMetadataSignal({ name: 'm', key: 'app', predicate: { in: ['ide', 'cli'] } });
    expect(
      inList.extract(buildSignalInput(request([user('x')], { metadata: { app: 'cli' } }), {}), {}),
    ).toMatchObject({ status: 'matched' });
    const absent = createMetadataSignal({ name: 'm', key: 'app', predicate: { exists: false } });
    expect(absent.extract(buildSignalInput(request([user('x')]), {}), {})).toMatchObject({
      status: 'matched',
    });
  });
});
