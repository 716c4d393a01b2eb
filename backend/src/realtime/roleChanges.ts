// Role changes act on live sockets. wegent-admin changes a role in Redis and publishes a notice
// (Accounts.setRole); every node hears it on its own subscriber connection and updates the sockets
// it holds for that user. A demoted operator's cloud executor leaves the pool at once: its subtasks
// are failed (and cancelled on it), it goes offline, and its socket is closed — the executor then
// registers again and is refused FORBIDDEN, which it does not retry.
// A node that misses a notice (its subscriber was reconnecting) still never dispatches to such a
// device: Devices.pickCloud checks the owner's role on every pick.
import type { RedisClient } from '../store/redis';
import type { Namespace } from 'socket.io';
import type { RoleNotice } from '../accounts';
import type { Services } from '../services';
import { keys, userHome } from '../store/keys';
import type { SocketData } from './auth';

function parseNotice(raw: string): RoleNotice | null {
  try {
    const n = JSON.parse(raw) as Partial<RoleNotice>;
    return n.kind === 'role' && typeof n.user_id === 'string' && (n.role === 'user' || n.role === 'operator') ? (n as RoleNotice) : null;
  } catch {
    return null;
  }
}

/** Subscribes `subscriber` (a connection of its own: it blocks) and returns the function that stops it. */
export function watchRoleChanges(subscriber: RedisClient, namespaces: { chat: Namespace; devices: Namespace }, svc: Services): () => void {
  const { devices, dispatcher, log } = svc;
  const apply = async (n: RoleNotice) => {
    for (const nsp of [namespaces.chat, namespaces.devices]) {
      for (const socket of nsp.sockets.values()) {
        const data = socket.data as SocketData;
        if (data.principal?.user.id !== n.user_id) continue;
        data.principal.user.role = n.role;
        if (nsp !== namespaces.devices || n.role === 'operator' || !data.deviceId) continue;
        const home = userHome(n.user_id);
        const d = await devices.get(home, data.deviceId);
        if (!d || d.mode !== 'cloud') continue;
        await devices.withdrawFromPool(home, d.device_id);
        await dispatcher.failDevice(home, d.device_id, 'withdrawn');
        await dispatcher.emitDeviceStatus(home, d.device_id);
        socket.disconnect(true);
        log.info({ deviceId: d.device_id, userId: n.user_id }, 'cloud executor withdrawn: its owner is no longer an operator');
      }
    }
  };
  subscriber.on('message', (channel: string, raw: string) => {
    if (channel !== keys.noticeChannel) return;
    const n = parseNotice(raw);
    if (n) void apply(n).catch((err) => log.error({ err, userId: n.user_id }, 'applying a role change failed'));
  });
  subscriber.subscribe(keys.noticeChannel).catch((err) => log.warn({ err: (err as Error).message }, 'could not subscribe to backend notices'));
  return () => subscriber.disconnect();
}
