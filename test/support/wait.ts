// Shared test helper: wait for a condition instead of sleeping a fixed time.
//
//   await waitFor(() => chat.done.length === 1, { timeout: 10_000, message: 'chat:done never came' });
//   const dev = await waitFor(async () => (await list()).find((d) => d.status === 'offline'));
//
// `fn` may be sync or async; it is polled every `interval` ms until it returns a truthy value
// (which waitFor resolves with) or `timeout` ms have passed (then it rejects with `message` and the
// last error `fn` threw, if any). Timeouts are generous by default: the CI machine is small and shared.

export interface WaitOptions {
  /** Give up after this many ms (default 10 000). */
  timeout?: number;
  /** Poll period in ms (default 20). */
  interval?: number;
  /** What the failure says (default "condition not met"). */
  message?: string;
}

export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeout = 10_000, interval = 20, message = 'condition not met' }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`waitFor timed out after ${timeout} ms: ${message}${why}`);
    }
    await delay(interval);
  }
}

/** Resolves after `ms`. For pacing loops only — never to "wait long enough" for a condition. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with the first emission of `event` on an emitter-like object, or rejects after `timeout`. */
export function nextEvent<T = unknown>(
  emitter: { once(event: string, listener: (arg: T) => void): unknown; off?(event: string, listener: (arg: T) => void): unknown },
  event: string,
  timeout = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onEvent = (arg: T) => {
      clearTimeout(timer);
      resolve(arg);
    };
    const timer = setTimeout(() => {
      emitter.off?.(event, onEvent);
      reject(new Error(`no "${event}" within ${timeout} ms`));
    }, timeout);
    emitter.once(event, onEvent);
  });
}
