// Users, password hashing and API tokens. Passwords: scrypt (node:crypto) with a per-user salt.
// Tokens: JWT HS256, 7 days, sub = user id, jti = token id; each has a record in Redis so it can be
// listed and revoked, and a token whose record is revoked is refused even though its signature holds.
import { createSecretKey, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual, type KeyObject, type ScryptOptions } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { RedisClient } from './store/redis';
import { ErrorCode, TOKEN_TTL_S, WegentError, type Role, type TokenInfo, type UserView } from '@wegent/shared';
import { keys, newId, userHome } from './store/keys';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

function scrypt(password: string, salt: Buffer, opts: ScryptOptions & { keylen: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, opts.keylen, { N: opts.N, r: opts.r, p: opts.p, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** "scrypt$N$r$p$salt$hash" (base64url parts) — parameters travel with the hash so they can change later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, N, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), { N: Number(N), r: Number(r), p: Number(p), keylen: expected.length });
  return timingSafeEqual(key, expected);
}

/** Published on keys.noticeChannel when a user's role changes. */
export interface RoleNotice {
  kind: 'role';
  user_id: string;
  role: Role;
}

export interface User extends UserView {
  password_hash: string;
}

export interface Principal {
  user: UserView;
  tokenId: string;
  /** Seconds since epoch when the token stops being valid. */
  expiresAt: number;
}

export function toView(u: User | UserView): UserView {
  return { id: u.id, username: u.username, role: u.role, created_at: u.created_at };
}

export class Accounts {
  /**
   * The secret as a KeyObject, made once: given a string, jsonwebtoken first tries to parse it as a
   * PEM public key and catches the throw, on every verify — the largest cost of a socket connect in
   * the bench's profile (a reconnect storm after a node dies is thousands of them).
   */
  private readonly key: KeyObject;

  constructor(
    private readonly redis: RedisClient,
    secret: string,
    private readonly tokenTtlS = TOKEN_TTL_S,
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  async createUser(username: string, password: string, role: Role = 'user'): Promise<UserView> {
    const id = `u_${randomUUID()}`;
    const claimed = await this.redis.set(keys.usernameIndex(username), id, 'NX');
    if (!claimed) throw new WegentError(ErrorCode.USERNAME_TAKEN, `The username "${username}" is taken; choose another.`, 409);
    const user: User = { id, username, role, created_at: new Date().toISOString(), password_hash: await hashPassword(password) };
    // Two keys of their own (each is looked up from anywhere): the record first, then the count.
    await this.redis.hset(keys.user(id), { ...user });
    await this.redis.sadd(keys.users, id);
    return toView(user);
  }

  async userCount(): Promise<number> {
    return this.redis.scard(keys.users);
  }

  async getUser(id: string): Promise<User | null> {
    const h = await this.redis.hgetall(keys.user(id));
    if (!h.id) return null;
    return { id: h.id, username: h.username, role: (h.role as Role) ?? 'user', created_at: h.created_at, password_hash: h.password_hash };
  }

  async findByUsername(username: string): Promise<User | null> {
    const id = await this.redis.get(keys.usernameIndex(username));
    return id ? this.getUser(id) : null;
  }

  /** Changes a role and tells every backend node, so live sockets follow at once (realtime/roleChanges.ts). */
  async setRole(userId: string, role: Role): Promise<void> {
    await this.redis.hset(keys.user(userId), 'role', role);
    const notice: RoleNotice = { kind: 'role', user_id: userId, role };
    await this.redis.publish(keys.noticeChannel, JSON.stringify(notice));
  }

  async setPassword(userId: string, password: string): Promise<void> {
    await this.redis.hset(keys.user(userId), 'password_hash', await hashPassword(password));
  }

  /** Checks credentials; null when wrong (the caller answers AUTH_INVALID without saying which part). */
  async checkCredentials(username: string, password: string): Promise<User | null> {
    const user = await this.findByUsername(username);
    if (!user) {
      // Spend the same time as a real check so timing does not reveal which usernames exist.
      await hashPassword(password);
      return null;
    }
    return (await verifyPassword(password, user.password_hash)) ? user : null;
  }

  /** Issues a token and records it (for listing and revocation). */
  async issueToken(userId: string, name = '', kind: 'login' | 'api' = 'api', ttlS = this.tokenTtlS): Promise<{ token: string; info: TokenInfo }> {
    const jti = newId('t', userHome(userId)); // lives at its user's home, beside the user's token list
    const now = Math.floor(Date.now() / 1000);
    const exp = now + ttlS;
    const token = jwt.sign({ kind }, this.key, { algorithm: 'HS256', subject: userId, jwtid: jti, expiresIn: ttlS, noTimestamp: false });
    const info: TokenInfo = { id: jti, name: name || (kind === 'login' ? 'login' : 'API token'), created_at: new Date(now * 1000).toISOString(), expires_at: new Date(exp * 1000).toISOString(), kind };
    await this.redis
      .multi()
      .hset(keys.token(jti), { ...info, user_id: userId, revoked: '0', issued_ms: Date.now() })
      .pexpireat(keys.token(jti), exp * 1000 + 60_000)
      .zadd(keys.userTokens(userId), exp, jti)
      .zremrangebyscore(keys.userTokens(userId), '-inf', now - 1)
      .exec();
    return { token, info };
  }

  /** Live (unexpired, unrevoked) tokens of the account, oldest first, with their kind. */
  private async liveTokens(userId: string): Promise<{ id: string; kind: string }[]> {
    const now = Math.floor(Date.now() / 1000);
    const ids = await this.redis.zrangebyscore(keys.userTokens(userId), now, '+inf');
    const rows = await Promise.all(ids.map((id) => this.redis.hmget(keys.token(id), 'kind', 'revoked', 'issued_ms')));
    return ids
      .map((id, i) => ({ id, kind: rows[i][0] ?? '', revoked: rows[i][1], issued: Number(rows[i][2]) || 0 }))
      .filter((t) => t.revoked === '0')
      // Expiry is in whole seconds: two sign-ins in one second are told apart by the ms they were issued.
      .sort((a, b) => a.issued - b.issued);
  }

  /** LIMIT_EXCEEDED when the account already holds `max` live tokens (POST /api/tokens). */
  async checkTokenRoom(userId: string, max: number): Promise<void> {
    const live = (await this.liveTokens(userId)).length;
    if (live < max) return;
    throw new WegentError(
      ErrorCode.LIMIT_EXCEEDED,
      `Your account already has ${live} live API tokens and sign-in sessions, the most this backend allows (WEGENT_MAX_TOKENS_PER_USER). Revoke some you no longer use (Settings, or DELETE /api/tokens/:id), then try again.`,
      429,
    );
  }

  /**
   * Makes room for one more sign-in session under `max` live tokens: revokes the oldest sign-in
   * sessions past it (API tokens are never revoked for this). Returns the revoked ids, whose
   * connections the caller closes.
   */
  async makeRoomForSession(userId: string, max: number): Promise<string[]> {
    const live = await this.liveTokens(userId);
    const excess = live.length - (max - 1);
    if (excess <= 0) return [];
    const victims = live.filter((t) => t.kind === 'login').slice(0, excess).map((t) => t.id);
    for (const id of victims) await this.revokeToken(userId, id);
    return victims;
  }

  async listTokens(userId: string): Promise<TokenInfo[]> {
    const now = Math.floor(Date.now() / 1000);
    const ids = await this.redis.zrangebyscore(keys.userTokens(userId), now, '+inf');
    const out: TokenInfo[] = [];
    // One round trip for all records: every sign-in adds a token, so the list can be long.
    const replies = ids.length ? ((await this.redis.pipeline(ids.map((id) => ['hgetall', keys.token(id)])).exec()) ?? []) : [];
    for (const [err, raw] of replies) {
      if (err) throw err;
      const h = raw as Record<string, string>;
      if (!h.id || h.revoked === '1') continue;
      out.push({ id: h.id, name: h.name, created_at: h.created_at, expires_at: h.expires_at, kind: h.kind as TokenInfo['kind'] });
    }
    return out.sort((a, b) => b.created_at.localeCompare(a.created_at));
  }

  /** Marks a token revoked; false when it is not the user's (or unknown). */
  async revokeToken(userId: string, tokenId: string): Promise<boolean> {
    const owner = await this.redis.hget(keys.token(tokenId), 'user_id');
    if (owner !== userId) return false;
    // The record first (what authenticate reads), then the list; not one MULTI: a token issued
    // before homes existed (keys.ts) lives in another slot than its user's list.
    await this.redis.hset(keys.token(tokenId), 'revoked', '1');
    await this.redis.zrem(keys.userTokens(userId), tokenId);
    return true;
  }

  /** Whether a token's record says revoked (a token whose record is gone counts as revoked). */
  async isRevoked(tokenId: string): Promise<boolean> {
    const revoked = await this.redis.hget(keys.token(tokenId), 'revoked');
    return revoked !== '0';
  }

  /** Verifies a bearer token: signature (HS256 only — `alg: none` and others are refused), expiry, record. */
  async authenticate(token: string | undefined | null): Promise<Principal> {
    if (!token) throw new WegentError(ErrorCode.AUTH_MISSING, 'No API token was given. Sign in, or generate a token and pass it as "Authorization: Bearer <token>".', 401);
    let claims: jwt.JwtPayload;
    try {
      const decoded = jwt.verify(token, this.key, { algorithms: ['HS256'] });
      if (typeof decoded === 'string') throw new Error('string payload');
      claims = decoded;
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) {
        throw new WegentError(ErrorCode.AUTH_EXPIRED, 'The API token has expired (tokens last 7 days). Generate a new one and reconnect.', 401);
      }
      throw new WegentError(ErrorCode.AUTH_INVALID, 'The API token is not valid for this backend. Generate a new token and try again.', 401);
    }
    if (!claims.sub || !claims.jti || !claims.exp) throw new WegentError(ErrorCode.AUTH_INVALID, 'The API token is missing required claims. Generate a new token.', 401);
    // The token's record and its account in one round trip (every connect and request passes here;
    // a reconnect storm is thousands at once). The account is only used once the record vouches for it.
    const [record, user] = await Promise.all([this.redis.hmget(keys.token(claims.jti), 'user_id', 'revoked'), this.getUser(claims.sub)]);
    if (record[0] !== claims.sub) throw new WegentError(ErrorCode.AUTH_INVALID, 'The API token is not known to this backend. Generate a new token.', 401);
    if (record[1] === '1') throw new WegentError(ErrorCode.AUTH_REVOKED, 'The API token was revoked. Generate a new token and reconnect.', 401);
    if (!user) throw new WegentError(ErrorCode.AUTH_INVALID, 'The account of this token no longer exists.', 401);
    return { user: toView(user), tokenId: claims.jti, expiresAt: claims.exp };
  }
}
