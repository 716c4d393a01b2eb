// The suites in the order the bench runs them.
import { dispatchSuite } from './dispatch';
import { streamSuite } from './stream';
import { presenceSuite } from './presence';
import { memorySuite } from './memory';
import { executorSuite } from './executor';
import { scaleSuite } from './scale';
import { clusterSuite } from './cluster';
import { stormSuite } from './storm';
import type { Suite } from './context';

export type { Context, Suite } from './context';
export const suites: Suite[] = [dispatchSuite, streamSuite, presenceSuite, memorySuite, executorSuite, scaleSuite, clusterSuite, stormSuite];
