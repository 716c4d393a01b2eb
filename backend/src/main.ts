// Process entry: config, Redis (embedded default), app, first-run account, graceful shutdown.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, ConfigError } from './config';
import { createApp } from './app';
import { accountLines } from './bootstrap';
import { backlogCap } from './listenBacklog';
import { createLogger } from './log';
import { connectStore, waitReady, type StoreTarget } from './store/redis';
import { resolveRedis, RedisMissingError } from './store/embedded';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  // A Redis Cluster when REDIS_CLUSTER_NODES is set (REDIS_URL is ignored then); else one Redis.
  const target = config.redisClusterNodes
    ? { source: 'cluster' as const, stop: undefined }
    : await resolveRedis(config.redisUrl, config.dataDir, config.localRedisPort);
  const store: StoreTarget = config.redisClusterNodes ? { clusterNodes: config.redisClusterNodes } : { url: (target as { url: string }).url };
  const redis = connectStore(store, 'cmd');
  const adapterRedis = connectStore(store, 'adapter', { sharded: true });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  adapterRedis.on('error', (err) => log.warn({ err: err.message }, 'redis adapter connection error'));
  if (config.redisClusterNodes && config.redisUrl) log.info('REDIS_URL is ignored: REDIS_CLUSTER_NODES is set');
  await waitReady(redis);

  const app = createApp({ config, redis, adapterRedis, log });
  const addr = await app.listen(config.port, config.host);
  const host = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  log.info({ url, redis: target.source, jwtSecret: config.jwtSecretSource, timing: config.timing }, 'backend listening');
  const cap = backlogCap(config.listenBacklog);
  if (cap) log.warn({ asked: config.listenBacklog, somaxconn: cap }, `the kernel holds at most ${cap} connections waiting to be accepted (net.core.somaxconn); with many devices reconnecting at once, raise it: sysctl -w net.core.somaxconn=${config.listenBacklog}`);

  if (config.bootstrapUser) {
    // This bundle's neighbours: wegent-admin beside it, and this checkout's wegent-executor (if built).
    const executorCli = join(__dirname, '..', '..', 'extension', 'dist', 'cli.js');
    const lines = await accountLines(app.services.accounts, { url, adminCli: join(__dirname, 'cli.js'), executorCli: existsSync(executorCli) ? executorCli : undefined });
    process.stdout.write(lines.join('\n') + '\n');
  }
  // The line outside tools wait for: printed once, when the backend accepts connections.
  process.stdout.write(`Wegent backend listening on ${url}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), config.shutdownGraceMs + 5_000);
    force.unref();
    try {
      await app.close();
      await Promise.allSettled([redis.quit(), adapterRedis.quit()]);
      await target.stop?.();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // A bug in one handler must not take every device and chat down with it.
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof RedisMissingError) {
    process.stderr.write(`wegent-backend: ${err.message}\n`);
  } else {
    process.stderr.write(`wegent-backend: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  }
  process.exit(1);
});
