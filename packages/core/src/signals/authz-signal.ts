/**
 * The `authz` signal family (`routing.signals.role_bindings`): matches when the caller's
 * identity, taken from trusted identity headers set by the gateway's auth layer, is bound to the
 * rule's role. Gateways must strip these headers from client requests.
 *
 * @module
 */
import { HEADERS } from '../config/defaults.js';
import type { RoleBindingConfig } from '../config/router-config-schema.js';
import type {
  SignalExtractorV1,
  SignalInput,
  SignalResult,
} from '../spec/signal-extractor/v1/signal-extractor-v1.js';

export interface AuthzIdentityHeaders {
  /** Header carrying the user id. Default `x-authz-user-id`. */
  readonly userIdHeader?: string;
  /** Header carrying comma-separated groups. Default `x-authz-user-groups`. */
  readonly userGroupsHeader?: string;
}

export function createAuthzSignal(
  config: RoleBindingConfig,
  identity: AuthzIdentityHeaders = {},
): SignalExtractorV1 {
  const userHeader = (identity.userIdHeader ?? HEADERS.authzUserId).toLowerCase();
  const groupsHeader = (identity.userGroupsHeader ?? HEADERS.authzUserGroups).toLowerCase();
  const users = new Set(
    config.subjects.filter((subject) => subject.kind === 'User').map((subject) => subject.name),
  );
  const groups = new Set(
    config.subjects.filter((subject) => subject.kind === 'Group').map((subject) => subject.name),
  );
  return {
    specificationVersion: 'v1',
    kind: 'authz',
    name: config.name,
    extract(input: SignalInput): SignalResult {
      const user = input.headers[userHeader]?.trim();
      if (user && users.has(user))
        return { status: 'matched', confidence: 1, labels: [config.role], evidence: [`user:${user}`] };
      const memberOf = (input.headers[groupsHeader] ?? '')
        .split(',')
        .map((group) => group.trim())
        .filter(Boolean);
      const group = memberOf.find((candidate) => groups.has(candidate));
      if (group)
        return { status: 'matched', confidence: 1, labels: [config.role], evidence: [`group:${group}`] };
      return { status: 'unmatched', confidence: 0 };
    },
  };
}
