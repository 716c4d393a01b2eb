// What every suite receives from bench/run.ts and what it hands back.
import type { TestBackend, TestUser } from '../../test/support/backend';
import type { TestRedis } from '../../test/support/redis';
import type { Relay } from '../lib/procs';
import type { Row, Target } from '../lib/report';

export interface Context {
  quick: boolean;
  runId: string;
  redis: TestRedis;
  /** One backend process (default timings) on `redis`. */
  backend: TestBackend;
  relay: Relay;
  /** The relay storing every hop in `redis` by one Lua call first: the floor of a durable hop. */
  durableRelay: Relay;
  /** The env that lifts the per-account caps and the progress rate limit (a backend a suite starts itself). */
  benchLimits: Record<string, string>;
  /** Node flags of the backends under --profile (--cpu-prof into bench/profiles), else []. */
  profileArgs: string[];
  /** Fresh accounts on the backend's Redis, each with an API token. */
  users(n: number): Promise<TestUser[]>;
  /** Registers a stop step run at the end of the bench (reverse order). */
  cleanup(fn: () => Promise<void>): void;
}

export interface SuiteOutput {
  data: unknown;
  rows: Row[];
  targets: Target[];
}

export interface Suite {
  name: string;
  title: string;
  run(ctx: Context): Promise<SuiteOutput>;
}
