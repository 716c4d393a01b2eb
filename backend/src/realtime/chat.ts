// The /chat namespace: a chat page sends messages, cancels, resumes and answers permission requests;
// pushes reach only the owner's sockets through the `user:{id}` room.
import type { Namespace, Socket } from 'socket.io';
import { CHAT_EVENTS, ChatClientKind } from '@wegent/shared';
import type { Services } from '../services';
import { enforceToken, socketAuth, type SocketData } from './auth';
import { answerUnknownEvents, eventHandlers } from './handler';
import { userRoom } from './notifier';

export function attachChatNamespace(nsp: Namespace, svc: Services): void {
  const { accounts, tasks, dispatcher, approvals, changes, metrics, log, inflight } = svc;
  const ctx = { log, inflight };
  nsp.use(socketAuth(accounts, metrics));

  nsp.on('connection', (socket: Socket) => {
    const user = (socket.data as SocketData).principal.user;
    metrics.chatSockets.inc();
    socket.once('disconnect', () => metrics.chatSockets.dec());
    enforceToken(socket, accounts, log);
    answerUnknownEvents(socket, ['chat:send', 'chat:cancel', 'chat:resume', 'chat:permission_reply', 'chat:diff', 'chat:apply']);
    const on = eventHandlers(socket, CHAT_EVENTS.clientToServer, ctx);
    void socket.join(userRoom(user.id));
    // What kind of chat this is, as it says itself (shown in the owner's other cards; no trust needed).
    const client = ChatClientKind.safeParse((socket.handshake.auth as { client?: unknown } | undefined)?.client);

    // The account's conversation cap is checked inside the send (dispatch/sends.ts).
    on('chat:send', (p) => dispatcher.send(user, p));

    on('chat:cancel', async (p) => {
      await dispatcher.cancel(user, p.subtask_id);
    });

    on('chat:permission_reply', async (p) => {
      await approvals.reply(user, client.success ? client.data : undefined, p);
    });

    // Change review: the device answers; the diff is relayed in the ack, never stored.
    on('chat:diff', (p) => changes.diff(user, p));
    on('chat:apply', (p) => changes.apply(user, p));

    on('chat:resume', async (p) => {
      const s = await tasks.getOwnedSubtask(user.id, p.subtask_id);
      // Paged: one answer stays far below the slow-consumer cap however long the stream is.
      const { chunks, more } = await tasks.chunksPage(s.subtask_id, p.after_seq, svc.config.limits.resumePageBytes);
      if (more) return { chunks, more: true };
      const done = tasks.doneEvent(s);
      return done ? { chunks, done } : { chunks };
    });
  });
}
