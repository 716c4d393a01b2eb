// What the controller and its parts (pushes.ts) work with, defined once: the store they read and
// change, and the page's clock.
import type { Action, State } from './state';

/** The page's state and its one way to change: the Controller. `state` is read again after an await. */
export interface Store {
  readonly state: State;
  dispatch(action: Action): void;
}

/** Live pushes are stamped with the page's clock: when the user saw the reply start and end. */
export const now = () => new Date().toISOString();
