// Koa + Socket.IO on one http server, wired to the services. Nothing else lives here.
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { Server as IoServer, type ServerOptions } from 'socket.io';
import { LIMITS, NAMESPACE } from '@wegent/shared';
import type { Config } from './config';
import type { Logger } from './log';
import type { Notifier } from './notifier';
import { createServices, type Services } from './services';
import { attachmentRoutes } from './http/attachments';
import { authRoutes } from './http/auth';
import type { AppState } from './http/context';
import { deviceRoutes } from './http/devices';
import { answerClientError, bodyError, errorMiddleware, securityHeaders } from './http/errors';
import { healthRoutes } from './http/health';
import { staticPage } from './http/static';
import { taskRoutes } from './http/tasks';
import { tokenRoutes } from './http/tokens';
import { usageRoutes } from './http/usage';
import { revokeEverywhere, tokenRoom, type SocketData } from './realtime/auth';
import { attachChatNamespace } from './realtime/chat';
import { attachDeviceNamespace } from './realtime/devices';
import { StreamProbe, localFirstShardedAdapter, localFirstStreamsAdapter } from './realtime/adapter';
import { Peers } from './realtime/peers';
import { isCluster, type RedisClient } from './store/redis';
import { deviceRoom, socketNotifier } from './realtime/notifier';
import { frameLimitParser } from './realtime/frameLimit';
import { watchRoleChanges } from './realtime/roleChanges';
import { listenForTellAndClose } from './realtime/tellAndClose';
import { guardSlowConsumers } from './realtime/slowConsumers';
import { socketCap } from './realtime/socketCap';

export interface App {
  server: HttpServer;
  io: IoServer;
  services: Services;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Graceful: stop accepting, let in-flight handlers finish, close sockets (clients reconnect elsewhere). */
  close(): Promise<void>;
}

export interface AppDeps {
  config: Config;
  redis: RedisClient;
  /**
   * A dedicated connection for the Socket.IO adapter (it blocks on XREAD, or holds the sharded
   * subscriptions: on a cluster, a Cluster made with shardedSubscribers).
   */
  adapterRedis: RedisClient;
  log: Logger;
}

/** The adapter for several nodes ('local': none), and for the streams adapter its reader probe (peers.ts). */
function socketAdapter(config: Config, redis: RedisClient, adapterRedis: RedisClient, log: Logger): { adapter?: ServerOptions['adapter']; probe?: StreamProbe } {
  if (config.socketAdapter === 'local') return {};
  const onError = (err: unknown) => log.warn({ err }, 'socket.io adapter: publishing to other nodes failed');
  if (config.socketAdapter === 'redis-sharded') {
    if (!isCluster(redis) || !isCluster(adapterRedis)) throw new Error('the sharded Socket.IO adapter runs on a Redis Cluster (REDIS_CLUSTER_NODES)');
    return { adapter: localFirstShardedAdapter(redis, adapterRedis, { channelPrefix: 'wg:socket.io' }, onError) as unknown as ServerOptions['adapter'] };
  }
  if (isCluster(adapterRedis)) throw new Error('the streams Socket.IO adapter needs one Redis, not a cluster');
  const stream = { streamName: 'wg:socket.io', maxLen: config.limits.adapterStreamMaxLen };
  const probe = new StreamProbe(adapterRedis, stream);
  return { adapter: localFirstStreamsAdapter(adapterRedis, { ...stream, channelPrefix: 'wg:socket.io' }, onError, probe) as unknown as ServerOptions['adapter'], probe };
}

export function createApp({ config, redis, adapterRedis, log }: AppDeps): App {
  let shuttingDown = false;
  // The request handler is bound late (Koa needs the services, which need Socket.IO), but it must be
  // registered before Socket.IO attaches so engine.io can route /socket.io requests away from Koa.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handle(req, res));
  server.on('clientError', answerClientError);
  const { adapter, probe } = socketAdapter(config, redis, adapterRedis, log);
  const io = new IoServer(server, {
    // Past this a frame is not read (connection closed); up to it, oversized events are answered.
    maxHttpBufferSize: LIMITS.socketFrameCloseBytes,
    parser: frameLimitParser,
    // Several nodes: emissions to rooms reach sockets on every node through a Redis stream.
    // One known node ('local'): the in-memory default adapter, no Redis round trip per emission.
    // A Redis Cluster: sharded pub/sub, one channel per room, spread over the shards (realtime/adapter.ts).
    ...(adapter ? { adapter } : {}),
    cors: { origin: false },
    pingInterval: 10_000,
    pingTimeout: 10_000,
  });
  const chatNsp = io.of(NAMESPACE.chat);
  const deviceNsp = io.of(NAMESPACE.devices);

  const notify: Notifier = socketNotifier(chatNsp, deviceNsp);
  // With the streams adapter, whether another node shares the Redis (a chunk skips the stream when none does).
  const peers = new Peers(redis, probe ? probe.check : null, log);
  const services = createServices(config, redis, log, notify, peers);

  const app = new Koa<AppState>({ proxy: false });
  app.on('error', () => {}); // errors are answered and logged by errorMiddleware
  app.use(errorMiddleware(log));
  app.use(securityHeaders);
  app.use(async (ctx, next) => {
    if (shuttingDown && ctx.path !== '/healthz') {
      ctx.set('Connection', 'close');
    }
    await next();
  });
  // Uploads read their own raw body, before the JSON parser (which would take a JSON file as a body).
  const uploads = attachmentRoutes(services);
  app.use(uploads.routes()).use(uploads.allowedMethods());
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', encoding: 'utf-8', onError: bodyError }));
  const revoke = (jti: string) => revokeEverywhere([chatNsp, deviceNsp], jti);
  const routers = [
    healthRoutes(services, () => shuttingDown),
    authRoutes(services, revoke),
    tokenRoutes(services, revoke, async (jti) => {
      // The devices connected with this token now, on every node (what a revocation would cut off).
      const sockets = await deviceNsp.in(tokenRoom(jti)).timeout(2_000).fetchSockets().catch(() => []);
      return [...new Set(sockets.map((s) => (s.data as SocketData).deviceId).filter((id): id is string => !!id))];
    }),
    deviceRoutes(services, notify, (deviceId) => {
      // Its socket stays connected but is no longer the device's: heartbeats answer DEVICE_NOT_REGISTERED
      // and a running executor registers again (the documented "stop the executor first" behaviour).
      deviceNsp.in(deviceRoom(deviceId)).socketsLeave(deviceRoom(deviceId));
    }),
    taskRoutes(services),
    usageRoutes(services),
  ];
  for (const r of routers) app.use(r.routes()).use(r.allowedMethods());
  app.use(staticPage(config.webviewDir, { serveSourceMaps: config.serveSourceMaps }));
  handle = app.callback();

  const stopSlowConsumerGuard = guardSlowConsumers(io, log);
  // Pub/sub blocks its connection: a duplicate of the command connection of its own.
  // (On a cluster with its offline queue on: the SUBSCRIBE is made before that connection is ready.)
  const subscriber = isCluster(redis) ? redis.duplicate([], { enableOfflineQueue: true }) : redis.duplicate();
  const stopRoleWatch = watchRoleChanges(subscriber, { chat: chatNsp, devices: deviceNsp }, services);
  // Replacements and revocations reach other nodes as one server-side message each (tellAndClose.ts).
  for (const nsp of [deviceNsp, chatNsp]) listenForTellAndClose(nsp);
  attachDeviceNamespace(deviceNsp, services);
  attachChatNamespace(chatNsp, services);
  // After each namespace's auth middleware (it runs in the order added): the account is known.
  const cap = socketCap(config.limits.socketsPerUser);
  for (const nsp of [deviceNsp, chatNsp]) {
    nsp.use(cap.middleware);
    cap.track(nsp);
  }

  return {
    server,
    io,
    services,
    async listen(port, host) {
      // Registered before the first connection: see peers.ts for why that order keeps every chunk.
      await peers.join();
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, backlog: config.listenBacklog }, () => {
          server.off('error', reject);
          services.monitor.start();
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close() {
      if (shuttingDown) return;
      shuttingDown = true;
      services.monitor.stop();
      stopSlowConsumerGuard();
      stopRoleWatch();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await services.inflight.idle(config.shutdownGraceMs);
      // Drop transports (not a Socket.IO "server disconnect"): clients see a transport close and
      // reconnect on their own, to this node once it is back or to another behind the balancer.
      for (const nsp of [deviceNsp, chatNsp]) for (const socket of nsp.sockets.values()) socket.conn.close();
      server.closeAllConnections();
      await closed;
      io.close();
      await peers.leave();
    },
  };
}
