/**
 * The `conversation` signal family: features of the request's shape (how many messages of a
 * role, tool definitions, an active tool loop, image parts) against a numeric predicate.
 *
 * @module
 */
import type { ConversationSignalConfig } from '../config/router-config-schema.js';
import type {
  SignalExtractorV1,
  SignalInput,
  SignalResult,
} from '../spec/signal-extractor/v1/signal-extractor-v1.js';
import { satisfiesPredicate } from './numeric-predicate.js';

function measure(config: ConversationSignalConfig, input: SignalInput): number {
  const source = config.feature.source;
  switch (source.type) {
    case 'message': {
      const role = source.role ?? 'any';
      return input.messages.filter(
        (message) =>
          role === 'any' || (role === 'non_user' ? message.role !== 'user' : message.role === role),
      ).length;
    }
    case 'tool_definition':
      return Array.isArray(input.request.tools) ? input.request.tools.length : 0;
    case 'active_tool_loop': {
      // Tool results since the last user turn: the model is in the middle of a tool loop.
      let count = 0;
      for (let index = input.messages.length - 1; index >= 0; index--) {
        const role = input.messages[index]!.role;
        if (role === 'user') break;
        if (role === 'tool') count++;
      }
      return count;
    }
    case 'image_content': {
      let count = 0;
      for (const message of input.request.messages) {
        if (!Array.isArray(message.content)) continue;
        for (const part of message.content)
          if (part?.type === 'image_url' || part?.type === 'input_image' || part?.type === 'image') count++;
      }
      return count;
    }
  }
}

export function createConversationSignal(config: ConversationSignalConfig): SignalExtractorV1 {
  return {
    specificationVersion: 'v1',
    kind: 'conversation',
    name: config.name,
    extract(input: SignalInput): SignalResult {
      const raw = measure(config, input);
      const value = config.feature.type === 'exists' ? (raw > 0 ? 1 : 0) : raw;
      const evidence = [`${config.feature.source.type}=${value}`];
      return satisfiesPredicate(value, config.predicate)
        ? { status: 'matched', confidence: 1, evidence }
        : { status: 'unmatched', confidence: 0, evidence };
    },
  };
}
