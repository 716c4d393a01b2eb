// GET /api/tasks (the caller's conversations, newest first) and GET /api/tasks/:id (with subtasks
// and their streamed events); DELETE /api/tasks/:id (the conversation and its records; its devices
// remove its worktree after their next heartbeat).
import { Router } from '@koa/router';
import { ErrorCode, OpaqueId, WegentError } from '@wegent/shared';
import type { Services } from '../services';
import { principal, requireAuth, type AppState } from './context';

export function taskRoutes(svc: Services): Router<AppState> {
  const router = new Router<AppState>();
  router.use('/api/tasks', requireAuth(svc));

  router.get('/api/tasks', async (ctx) => {
    ctx.body = { tasks: await svc.tasks.listTasks(principal(ctx).user.id) };
  });

  router.get('/api/tasks/:id', async (ctx) => {
    const id = ctx.params.id;
    if (!OpaqueId.safeParse(id).success) throw new WegentError(ErrorCode.TASK_NOT_FOUND, 'No such conversation in your account.', 404);
    ctx.body = await svc.tasks.detail(principal(ctx).user.id, id);
  });

  router.delete('/api/tasks/:id', async (ctx) => {
    const id = ctx.params.id;
    if (!OpaqueId.safeParse(id).success) throw new WegentError(ErrorCode.TASK_NOT_FOUND, 'No such conversation in your account.', 404);
    const userId = principal(ctx).user.id;
    await svc.conversations.delete(userId, id);
    svc.log.info({ taskId: id, userId }, 'conversation deleted');
    ctx.status = 204;
  });

  return router;
}
