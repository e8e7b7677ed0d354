/**
 * API tokens: 32 random bytes, shown once as `kairos_<base64url>`; the store keeps only their
 * SHA-256 (hex), so a stolen database file yields no usable token.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Store, TokenRole, TokenRow } from '../store/types.js';

export const TOKEN_ROLES: readonly TokenRole[] = ['admin', 'operator', 'viewer'];
const PREFIX = 'kairos_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function isTokenRole(s: string): s is TokenRole {
  return (TOKEN_ROLES as readonly string[]).includes(s);
}

/** Creates and stores a token; returns the plain token (the only time it exists) and its row. */
export async function createToken(
  store: Store,
  opts: { role: TokenRole; namespace?: string | null; name?: string | null; now?: number },
): Promise<{ token: string; row: TokenRow }> {
  const token = PREFIX + randomBytes(32).toString('base64url');
  const row: TokenRow = {
    id: randomBytes(6).toString('hex'),
    hash: hashToken(token),
    role: opts.role,
    namespace: opts.namespace ?? null,
    name: opts.name ?? null,
    createdAt: opts.now ?? Date.now(),
    revokedAt: null,
  };
  await store.createToken(row);
  return { token, row };
}
