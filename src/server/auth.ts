/**
 * Who is calling: a bearer token looked up by its hash, giving a role and an optional namespace.
 *
 *   role      read   register/submit/cancel/retry   switch policy
 *   viewer    yes    no (403)                       no (403)
 *   operator  yes    yes                            no (403)
 *   admin     yes    yes                            yes, when not namespace-scoped
 *
 * A namespace-scoped token sees only its namespace: another namespace's workflows and runs answer
 * 404, exactly as if they did not exist. While the store holds no token at all the server is open
 * (first-run experience; one warning line at start): every caller is an unscoped admin. Once a
 * token exists (revoked ones count), every request needs one.
 */
import type { FastifyRequest } from 'fastify';
import type { Store, TokenRole } from '../store/types.js';
import { ApiError } from './errors.js';
import { hashToken } from './tokens.js';

export interface Principal {
  readonly role: TokenRole;
  readonly namespace: string | null;
  /** Token id, or null when the server runs open. */
  readonly tokenId: string | null;
}

const OPEN: Principal = Object.freeze({ role: 'admin', namespace: null, tokenId: null });
const RANK: Record<TokenRole, number> = { viewer: 0, operator: 1, admin: 2 };

/** The bearer token of a request, or null (never logged: see the logger's redaction). */
export function bearerOf(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : null;
}

export class Authenticator {
  readonly #store: Store;
  /** Sticky: once a token exists the server never goes back to open. */
  #hasTokens = false;

  constructor(store: Store) {
    this.#store = store;
  }

  async isOpen(): Promise<boolean> {
    if (this.#hasTokens) return false;
    this.#hasTokens = (await this.#store.listTokens()).length > 0;
    return !this.#hasTokens;
  }

  /** The caller of `req`; throws 401 when a token is needed and missing or invalid. */
  async authenticate(req: FastifyRequest): Promise<Principal> {
    if (await this.isOpen()) return OPEN;
    const token = bearerOf(req);
    if (token === null) throw new ApiError('UNAUTHORIZED', 'this endpoint requires a bearer token (Authorization: Bearer <token>; see `kairos token create`)');
    const row = await this.#store.findToken(hashToken(token));
    if (!row || row.revokedAt !== null) throw new ApiError('TOKEN_INVALID', 'the bearer token is unknown or revoked');
    return { role: row.role, namespace: row.namespace, tokenId: row.id };
  }
}

/** Throws 403 unless the principal has at least `role`. */
export function requireRole(p: Principal, role: TokenRole, action: string): void {
  if (RANK[p.role] < RANK[role]) throw new ApiError('FORBIDDEN', `a ${p.role} token cannot ${action} (needs ${role})`);
}

/** True when the principal may see objects of `namespace`. */
export function canSee(p: Principal, namespace: string): boolean {
  return p.namespace === null || p.namespace === namespace;
}
