// The /local-executor namespace: executors register, heartbeat, stream progress and complete tasks.
import type { Namespace, Socket } from 'socket.io';
import { DEVICE_EVENTS, ErrorCode, WegentError } from '@wegent/shared';
import type { Services } from '../services';
import { enforceToken, socketAuth, type SocketData } from './auth';
import { answerUnknownEvents, eventHandlers } from './handler';
import { deviceRoom } from './notifier';
import { tellAndClose } from './tellAndClose';
import { keys, userHome } from '../store/keys';
import { isStoreUnavailable } from '../store/errors';
import { heldPresence, unchangedInChats, viewOf } from '../devices';

function notRegistered(deviceId: string): WegentError {
  return new WegentError(ErrorCode.DEVICE_NOT_REGISTERED, `The device "${deviceId}" is not registered on this connection; send device:register first.`);
}

export function attachDeviceNamespace(nsp: Namespace, svc: Services): void {
  const { accounts, devices, dispatcher, monitor, metrics, log, inflight, config } = svc;
  const ttlMs = config.timing.onlineTtlMs;
  const ctx = { log, inflight };
  nsp.use(socketAuth(accounts, metrics));

  nsp.on('connection', (socket: Socket) => {
    const data = socket.data as SocketData;
    const user = data.principal.user;
    /** Where this user's devices live (store/keys.ts). */
    const home = userHome(user.id);
    metrics.deviceSockets.inc();
    enforceToken(socket, accounts, log);
    answerUnknownEvents(socket, ['device:register', 'device:heartbeat', 'task:progress', 'task:complete']);
    const on = eventHandlers(socket, DEVICE_EVENTS.clientToServer, ctx);

    const requireDevice = () => {
      if (!data.deviceId) throw new WegentError(ErrorCode.DEVICE_NOT_REGISTERED, 'Send device:register on this connection before task events.');
      return data.deviceId;
    };

    on('device:register', async (p) => {
      // Cloud mode is decided on the role as it is now, not as it was when this socket connected.
      const current = p.mode === 'cloud' ? await accounts.getUser(user.id) : null;
      if (current) user.role = current.role;
      // The record, its presence (this socket holds it now) and what follows, read in the same step.
      const r = await devices.register(user, p, socket.id);
      const d = r.device;
      if (data.deviceId && data.deviceId !== p.device_id) void socket.leave(deviceRoom(data.deviceId));
      // The newest socket wins: the previous one (on any node) is told and disconnected.
      tellAndClose(nsp, {
        room: deviceRoom(d.device_id), except: socket.id, event: 'device:replaced',
        payload: { message: 'This device connected again from another session; this connection is closed.' },
      });
      await socket.join(deviceRoom(d.device_id));
      data.deviceId = d.device_id;
      monitor.poke(ttlMs);
      const running = p.running_task_ids ?? [];
      const cancel = await dispatcher.reconcile(d, running, { slots: r.slots, queued: r.queued });
      for (const id of cancel) socket.emit('task:cancel', { subtask_id: id });
      // The record as the touch left it (a lost connection's mark cleared), not read again. Its
      // presence as read in the registration's step, unless reconcile may have freed or filled
      // slots (one the device did not report, a queue to pump): then read after it. Chats hear it
      // only when what they show changed: after a backend restart every device re-registers as it
      // was, and each push would be one more broadcast through Redis, for nothing.
      const held = { ...d, disconnected_at: null };
      const settled = r.queued === 0 && r.slots.every((id) => running.includes(id));
      const view = settled ? viewOf(held, heldPresence(held, r.slots.length), r.defaultId) : await devices.view(held, r.defaultId);
      if (!unchangedInChats(r.before, d, r.touched)) dispatcher.emitDeviceView(user.id, view);
      log.info({ deviceId: d.device_id, userId: user.id, mode: d.mode }, 'device registered');
      return {
        device: view,
        heartbeat_interval_s: config.timing.heartbeatIntervalMs / 1000,
        online_ttl_s: ttlMs / 1000,
        heartbeat_interval_ms: config.timing.heartbeatIntervalMs,
        online_ttl_ms: ttlMs,
        ...(cancel.length ? { cancel_subtask_ids: cancel } : {}),
        ...(r.forget.length ? { forget_task_ids: r.forget } : {}),
      };
    });

    on('device:heartbeat', async (p) => {
      if (data.deviceId !== p.device_id) throw notRegistered(p.device_id);
      // Registration check, touch, the slot/queue reads reconcile needs and the conversations to
      // forget (less those it confirms): one script, one round trip.
      const beat = await devices.heartbeat(p.device_id, user.id, socket.id, p.forgotten_task_ids ?? []);
      if (!beat) throw notRegistered(p.device_id);
      const { device: d, wasOnline, slots, queued, forget } = beat;
      monitor.poke(ttlMs);
      const cancel = await dispatcher.reconcile(d, p.running_task_ids, { slots, queued });
      if (!wasOnline) await dispatcher.emitDeviceStatus(home, d.device_id);
      return { ...(cancel.length ? { cancel_subtask_ids: cancel } : {}), ...(forget.length ? { forget_task_ids: forget } : {}) };
    });

    on('task:progress', async (p) => {
      // The device's rate is taken by the same script that applies the seq (dispatch/rate.ts).
      return dispatcher.progress(home, requireDevice(), p);
    });

    on('task:complete', async (p) => {
      await dispatcher.complete(requireDevice(), p);
    });

    socket.on('disconnect', (reason) => {
      metrics.deviceSockets.dec();
      const deviceId = data.deviceId;
      // This node is shutting down (it drops its transports): the device reconnects to a node that
      // is up, and that registration is what counts.
      if (!deviceId || reason === 'forced close' || reason === 'server shutting down') return;
      void (async () => {
        // Offline now rather than at the TTL: a clean goodbye with nothing running, or a token that
        // was revoked or expired (this device can never come back with it).
        const { tokenId, expiresAt } = data.principal;
        const tokenDead = reason === 'server namespace disconnect' && (expiresAt * 1000 <= Date.now() || (await accounts.isRevoked(tokenId)));
        const goodbye = reason === 'client namespace disconnect' && (await devices.slotsUsed(home, deviceId)) === 0;
        if (tokenDead || goodbye) {
          if ((await svc.redis.get(keys.deviceOnline(home, deviceId))) !== socket.id) return;
          await devices.expireNow(home, deviceId);
          monitor.poke(0);
          // Chats hear it now, not when the monitor gets to it (it waits out its start-up grace).
          await dispatcher.emitDeviceStatus(home, deviceId);
          return;
        }
        // Otherwise (a crash, a kill, a dropped network, a goodbye with tasks running) it keeps its
        // TTL so a quick reconnect can reclaim its tasks — and every chat sees at once that its
        // connection is lost, and until when it may come back.
        if (await devices.markLost(home, deviceId, socket.id)) await dispatcher.emitDeviceStatus(home, deviceId);
        // Redis going away (this node shutting down, or Redis down) is not news here: the TTL decides.
      })().catch((err) => (isStoreUnavailable(err) ? log.debug : log.warn).call(log, { err, deviceId, reason }, 'disconnect handling failed'));
    });
  });
}
