// wegent-admin: the operator CLI. Talks to the same Redis (and uses the same JWT secret) as the
// backend, so run it with the backend's environment (REDIS_URL, WEGENT_JWT_SECRET / WEGENT_DATA_DIR).
//
//   wegent-admin create-user <username> [--password P] [--role user|operator]
//   wegent-admin issue-token <username> [--name N]
//   wegent-admin list-devices [--user <username>]
//   wegent-admin set-role <username> <user|operator>
//   wegent-admin set-password <username> [--password P]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Credentials, type Role } from '@wegent/shared';
import { Accounts } from './accounts';
import { loadConfig, ConfigError } from './config';
import { Devices } from './devices';
import { connectStore, waitReady } from './store/redis';
import { resolveRedis, RedisMissingError } from './store/embedded';

const USAGE = `Usage:
  wegent-admin create-user <username> [--password P] [--role user|operator]
  wegent-admin issue-token <username> [--name N]
  wegent-admin list-devices [--user <username>]
  wegent-admin set-role <username> <user|operator>
  wegent-admin set-password <username> [--password P]
Prints JSON. Uses REDIS_URL / WEGENT_JWT_SECRET / WEGENT_DATA_DIR like the backend.`;

class UsageError extends Error {}

function role(raw: string | undefined): Role {
  if (raw === undefined || raw === 'user') return 'user';
  if (raw === 'operator') return 'operator';
  throw new UsageError(`--role must be "user" or "operator", not "${raw}"`);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { password: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, user: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, ...rest] = positionals;
  if (!command || values.help) {
    process.stdout.write(USAGE + '\n');
    return values.help ? 0 : 2;
  }
  const config = loadConfig();
  // The backend's store: a Redis Cluster when REDIS_CLUSTER_NODES is set, else one Redis.
  const target = config.redisClusterNodes ? { url: '', stop: undefined } : await resolveRedis(config.redisUrl, config.dataDir, config.localRedisPort);
  const redis = connectStore(config.redisClusterNodes ? { clusterNodes: config.redisClusterNodes } : { url: target.url }, 'cli');
  try {
    await waitReady(redis);
    const accounts = new Accounts(redis, config.jwtSecret);
    const userByName = async (name: string | undefined) => {
      if (!name) throw new UsageError('a username is required');
      const u = await accounts.findByUsername(name);
      if (!u) throw new UsageError(`no user "${name}"`);
      return u;
    };
    const out = (v: unknown) => process.stdout.write(JSON.stringify(v, null, 2) + '\n');

    switch (command) {
      case 'create-user': {
        const password = values.password ?? randomBytes(12).toString('base64url');
        const creds = Credentials.safeParse({ username: rest[0], password });
        if (!creds.success) throw new UsageError(`${creds.error.issues[0].path.join('.')}: ${creds.error.issues[0].message}`);
        const user = await accounts.createUser(creds.data.username, creds.data.password, role(values.role));
        out({ user, ...(values.password ? {} : { password }) });
        return 0;
      }
      case 'issue-token': {
        const u = await userByName(rest[0]);
        const { token, info } = await accounts.issueToken(u.id, values.name ?? 'cli', 'api');
        out({ token, id: info.id, expires_at: info.expires_at, user: { id: u.id, username: u.username, role: u.role } });
        return 0;
      }
      case 'list-devices': {
        const devices = new Devices(redis, config.timing.onlineTtlMs);
        const owners = values.user ? [(await userByName(values.user)).id] : null;
        const all = await devices.all();
        const rows = [];
        for (const { home, deviceId } of all.sort((x, y) => x.deviceId.localeCompare(y.deviceId))) {
          const d = await devices.get(home, deviceId);
          if (!d || (owners && !owners.includes(d.user_id))) continue;
          const owner = await accounts.getUser(d.user_id);
          rows.push({ ...(await devices.view(d)), owner: owner?.username ?? d.user_id });
        }
        out({ devices: rows });
        return 0;
      }
      case 'set-role': {
        const u = await userByName(rest[0]);
        await accounts.setRole(u.id, role(rest[1]));
        out({ ok: true });
        return 0;
      }
      case 'set-password': {
        const u = await userByName(rest[0]);
        const password = values.password ?? randomBytes(12).toString('base64url');
        if (password.length < 8) throw new UsageError('the password must be at least 8 characters');
        await accounts.setPassword(u.id, password);
        out({ ok: true, ...(values.password ? {} : { password }) });
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    redis.disconnect();
    await target.stop?.();
  }
}


main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) process.stderr.write(`wegent-admin: ${err.message}\n\n${USAGE}\n`);
    else if (err instanceof ConfigError || err instanceof RedisMissingError || (err as { code?: string }).code) process.stderr.write(`wegent-admin: ${(err as Error).message}\n`);
    else process.stderr.write(`wegent-admin: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
