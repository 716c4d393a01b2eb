// Scenario 3b, memory per idle device, read through the server's V8 inspector: full GC, then
// process.memoryUsage(), before and after N devices connect and register (no tasks). Reports the
// live heap + external memory per device (what the server really keeps for each) beside RSS growth
// per device (what the OS sees), or with `snapshot` the heap-snapshot groups that grew per device
// (a separate pass: taking a snapshot costs the server native memory that would pollute the RSS).
import { closeAll, connectMany } from '../lib/load';
import { groupHeap, perDeviceGrowth } from '../lib/heap';
import { Inspector, type MemoryReading } from '../lib/inspector';
import { round } from '../lib/stats';
import { connect, type Beater } from './presence';

export interface MemoryParams {
  target: 'backend' | 'relay';
  url: string;
  token?: string;
  inspectorUrl: string;
  devices: number;
  snapshot: boolean;
  runId: string;
}

export interface MemoryResult {
  devices: number;
  /** (heapUsed + external) growth after GC ÷ devices, KB. */
  liveKbPerDevice: number;
  heapKbPerDevice: number;
  rssKbPerDevice: number;
  before: MemoryReading;
  after: MemoryReading;
  top?: { name: string; perDevice: number; bytesPerDevice: number }[];
}

const live = (m: MemoryReading) => m.heapUsed + m.external;

export async function memory(p: MemoryParams): Promise<MemoryResult> {
  const inspector = await Inspector.connect(p.inspectorUrl);
  const devices: Beater[] = [];
  try {
    // One device first, so lazily built state (schemas compiled, scripts loaded, pools) is in the baseline.
    devices.push(await connect(p, 0));
    await devices[0].beat();
    const snap0 = p.snapshot ? groupHeap(await inspector.heapSnapshot()) : undefined;
    const before = await inspector.memoryAfterGc();
    devices.push(...(await connectMany(p.devices, 100, (k) => connect(p, k + 1))));
    // Each registered device has heartbeated once, as an idle device does.
    await Promise.all(devices.map((d) => d.beat()));
    await new Promise((r) => setTimeout(r, 1000));
    const after = await inspector.memoryAfterGc();
    const snap1 = p.snapshot ? groupHeap(await inspector.heapSnapshot()) : undefined;
    const per = (a: number, b: number) => round((a - b) / p.devices / 1024, 1);
    return {
      devices: p.devices,
      liveKbPerDevice: per(live(after), live(before)),
      heapKbPerDevice: per(after.heapUsed, before.heapUsed),
      rssKbPerDevice: per(after.rss, before.rss),
      before,
      after,
      top: snap0 && snap1 ? perDeviceGrowth(snap0, snap1, p.devices) : undefined,
    };
  } finally {
    closeAll(devices);
    inspector.close();
  }
}
