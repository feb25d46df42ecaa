/**
 * Bearer-token auth with roles for the management API. Tokens map to roles, roles to
 * permissions; comparison is constant-time.
 *
 * @module
 */

/** What an endpoint needs. */
export type ApiPermission = 'read' | 'classify' | 'config.write';

export interface ApiAuthOptions {
  readonly tokens: readonly {
    readonly token: string;
    readonly roles: readonly string[];
    readonly name?: string;
  }[];
  /** Extra or overriding role → permissions; built-ins: `read`, `classify`, `config.write`, `admin`. */
  readonly roles?: Readonly<Record<string, readonly string[]>>;
}

export const BUILT_IN_ROLES: Readonly<Record<string, readonly ApiPermission[]>> = {
  read: ['read'],
  classify: ['read', 'classify'],
  'classify.invoke': ['read', 'classify'],
  'config.write': ['read', 'config.write'],
  admin: ['read', 'classify', 'config.write'],
};

export type AuthResult =
  | { readonly status: 'ok'; readonly name: string | undefined }
  | { readonly status: 'unauthenticated' }
  | { readonly status: 'forbidden'; readonly name: string | undefined };

function constantTimeEqual(left: string, right: string): boolean {
  const length = Math.max(left.length, right.length);
  let difference = left.length ^ right.length;
  for (let index = 0; index < length; index++)
    difference |= (left.charCodeAt(index) | 0) ^ (right.charCodeAt(index) | 0);
  return difference === 0;
}

export function createApiAuth(options: ApiAuthOptions) {
  const roles = { ...BUILT_IN_ROLES, ...(options.roles ?? {}) };
  const principals = options.tokens.map((entry) => ({
    token: entry.token,
    name: entry.name,
    permissions: new Set(
      entry.roles.flatMap((role) => roles[role] ?? (role in BUILT_IN_ROLES ? [] : [role])),
    ),
  }));
  return {
    check(authorization: string | null, permission: ApiPermission): AuthResult {
      const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim()) : null;
      if (!match) return { status: 'unauthenticated' };
      const presented = match[1]!;
      let found: (typeof principals)[number] | undefined;
      for (const principal of principals)
        if (constantTimeEqual(principal.token, presented)) found = principal;
      if (!found) return { status: 'unauthenticated' };
      return found.permissions.has(permission)
        ? { status: 'ok', name: found.name }
        : { status: 'forbidden', name: found.name };
    },
  };
}
