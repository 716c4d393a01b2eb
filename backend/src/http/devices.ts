// GET /api/devices, PUT|DELETE /api/devices/:id/default, DELETE /api/devices/:id — the caller's
// devices only; another user's id answers exactly like an unknown one (404 DEVICE_NOT_FOUND).
import { Router } from '@koa/router';
import { DeviceId, type DeviceList } from '@wegent/shared';
import { deviceNotFound } from '../devices';
import { userHome } from '../store/keys';
import type { Services } from '../services';
import { principal, requireAuth, type AppState } from './context';
import type { Notifier } from '../notifier';

function deviceParam(raw: string): string {
  if (!DeviceId.safeParse(raw).success) throw deviceNotFound(raw.slice(0, 140));
  return raw;
}

export function deviceRoutes(svc: Services, notify: Notifier, onDeleted: (deviceId: string) => void): Router<AppState> {
  const router = new Router<AppState>();
  router.use('/api/devices', requireAuth(svc));

  router.get('/api/devices', async (ctx) => {
    const [devices, cloud] = await Promise.all([svc.devices.list(principal(ctx).user.id), svc.devices.cloudPool()]);
    const res: DeviceList = { devices, cloud };
    ctx.body = res;
  });

  const broadcastAll = async (userId: string) => {
    for (const d of await svc.devices.list(userId)) {
      notify.toUser(userId, 'device:status', { device_id: d.device_id, name: d.name, status: d.status, slots_used: d.slots_used, max_slots: d.max_slots, is_default: d.is_default });
    }
  };

  // PUT sets the default, DELETE unsets it; both answer the device and tell every chat of the owner.
  for (const [method, change] of [['put', 'setDefault'], ['delete', 'unsetDefault']] as const) {
    router[method]('/api/devices/:id/default', async (ctx) => {
      const userId = principal(ctx).user.id;
      const id = deviceParam(ctx.params.id);
      await svc.devices[change](userId, id);
      await broadcastAll(userId);
      ctx.body = { device: await svc.devices.view(await svc.devices.getOwned(userId, id)) };
    });
  }

  router.delete('/api/devices/:id', async (ctx) => {
    const userId = principal(ctx).user.id;
    const d = await svc.devices.getOwned(userId, deviceParam(ctx.params.id));
    await svc.dispatcher.failDevice(userHome(userId), d.device_id, 'deleted');
    await svc.devices.remove(d);
    onDeleted(d.device_id);
    notify.toUser(userId, 'device:status', { device_id: d.device_id, name: d.name, status: 'offline', slots_used: 0, max_slots: d.max_slots, is_default: false, deleted: true });
    svc.log.info({ deviceId: d.device_id, userId }, 'device deleted');
    ctx.status = 204;
  });

  return router;
}
