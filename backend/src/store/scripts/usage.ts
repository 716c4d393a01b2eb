// One reply's usage added to its user's day (lua/addUsage-1.lua): atomic, one command.
import { keys } from '../keys';
import { defineScript, type Arg } from '../script';

export const addUsage = defineScript(
  'addUsage-1',
  (i: { userId: string; day: string; ttlS: number; increments: [string, number][] }) => ({
    keys: [keys.userUsage(i.userId, i.day)],
    args: [i.ttlS, ...i.increments.flatMap(([field, by]): Arg[] => [field, by])],
  }),
  () => undefined,
);
