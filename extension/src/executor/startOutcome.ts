// How Executor.start() ends (ExecutorControl.start in api.ts): once the first connection attempt has
// an outcome, resolved or, refused for good, rejected with an ExecutorStartError.
import type { ProtocolError } from '@wegent/shared';
import type { DeviceConnection } from './connection';

/** Thrown by start() when the backend refuses this executor for good. */
export class ExecutorStartError extends Error {
  constructor(readonly error: ProtocolError) {
    super(error.message);
    this.name = 'ExecutorStartError';
  }
  get code(): string {
    return this.error.code;
  }
}

/** Settles on the connection's first outcome; listen before connection.start(). */
export function firstOutcome(connection: DeviceConnection): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onState = (s: string) => {
      // 'stopped': stop() was called before the first attempt had an outcome.
      if (s === 'online' || s === 'stopped' || (s === 'connecting' && connection.lastError)) resolve();
      else if (s === 'error') reject(new ExecutorStartError(connection.lastError!));
      else return;
      connection.off('state', onState);
    };
    connection.on('state', onState);
  });
}
