// Redis's own time on a dispatch, per script: what the backend's round trips cost inside Redis, which
// the client-side figures cannot separate from the backend's CPU. N dispatches one after another
// (send → execute → progress → chunk → complete → done), with a pause before each like the dispatch
// suite's, first counted by INFO commandstats (every script together), then with SLOWLOG at 0 µs,
// which records each command with its microseconds and so names each script (by digest). The
// slowlog also records the calls a script makes, so its script times run high; compare rows of one
// run, not its figures with the commandstats line.
//   npx tsx bench/serverTime.ts [--n 300] [--gap-ms 2]
import { Redis } from 'ioredis';
import type { TaskExecute } from '@wegent/shared';
import { startRedis } from '../test/support/redis';
import { createUser, startBackend } from '../test/support/backend';
import { TestDevice, connectSocket, request } from '../test/support/clients';
import { scriptFiles } from '../backend/src/store/lua/loader';
import { runnable } from '../backend/src/store/script';
import { nextMatching } from './lib/load';
import { median, round } from './lib/stats';

const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const n = flag('--n', 300);
const gapMs = flag('--gap-ms', 2);
/** Commands that are not a dispatch's: the streams adapter's reads and this tool's own. */
const NOT_OURS = /^(xread|xreadgroup|slowlog|config|info)/;

type Chat = Awaited<ReturnType<typeof connectSocket>>;

async function main(): Promise<void> {
  const redis = await startRedis({ asEmbedded: true });
  const backend = await startBackend({ redisUrl: redis.url, sourceMaps: false, env: { LOG_LEVEL: 'warn' } });
  const probe = new Redis(redis.url);
  const names = new Map(scriptFiles().map((f) => [runnable(f).sha, f] as const));
  try {
    const user = await createUser(backend);
    const device = await TestDevice.connect({ url: backend.url, token: user.token, deviceId: 'time-dev', heartbeat: false });
    const chat = await connectSocket(backend.url, '/chat', user.token);
    for (let i = 0; i < 5; i++) await once(device, chat, `warm ${i}`);

    await probe.config('RESETSTAT');
    for (let i = 0; i < n; i++) await once(device, chat, `counted ${i}`);
    const stats = [...String(await probe.info('commandstats')).matchAll(/cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/g)]
      .filter((m) => !NOT_OURS.test(m[1])).map((m) => ({ cmd: m[1], calls: Number(m[2]), usec: Number(m[3]) }));
    const scripts = stats.find((s) => s.cmd === 'evalsha');
    if (scripts) console.log(`commandstats: ${round(scripts.calls / n, 2)} scripts per dispatch, ${round(scripts.usec / n, 1)} µs of Redis time per dispatch in them (their calls included)\n`);

    await probe.config('SET', 'slowlog-max-len', String(100 * n));
    await probe.config('SET', 'slowlog-log-slower-than', '0');
    await probe.slowlog('RESET');
    for (let i = 0; i < n; i++) await once(device, chat, `logged ${i}`);
    const log = (await probe.slowlog('GET', -1)) as [number, number, number, string[]][];
    await probe.config('SET', 'slowlog-log-slower-than', '10000');
    const by = new Map<string, number[]>();
    for (const [, , us, args] of log) {
      const cmd = args[0].toLowerCase();
      if (NOT_OURS.test(cmd)) continue;
      const name = cmd === 'evalsha' ? names.get(args[1]) ?? `script ${args[1].slice(0, 8)}` : cmd;
      by.set(name, [...(by.get(name) ?? []), us]);
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    console.log(`slowlog, ${n} dispatches, ${gapMs} ms pause before each hop (µs; calls inside scripts are rows of their own):\n`);
    console.log(`${'command'.padEnd(20)}${'per dispatch'.padStart(14)}${'median'.padStart(10)}${'µs per dispatch'.padStart(18)}`);
    for (const [name, us] of [...by].sort((a, b) => sum(b[1]) - sum(a[1]))) {
      console.log(`${name.padEnd(20)}${String(round(us.length / n, 2)).padStart(14)}${String(median(us)).padStart(10)}${String(round(sum(us) / n, 1)).padStart(18)}`);
    }
    device.close();
    chat.close();
  } finally {
    probe.disconnect();
    await backend.stop();
    await redis.stop();
  }
}

const pause = () => new Promise((r) => setTimeout(r, gapMs));

async function once(device: TestDevice, chat: Chat, message: string): Promise<void> {
  const executed = nextMatching<TaskExecute>(device.socket, 'task:execute', (e) => e.prompt === message);
  await pause();
  const ack = request(chat, 'chat:send', { device_id: device.deviceId, message });
  const { payload } = await executed;
  await ack;
  await pause();
  await device.progress(payload.subtask_id, [{ type: 'text', text: 'x' }]);
  const done = nextMatching(chat, 'chat:done', (d: { subtask_id: string }) => d.subtask_id === payload.subtask_id);
  await device.complete(payload.subtask_id, { result: 'ok' });
  await done;
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
