// What the controller and its parts (pushes.ts, sending.ts) work with, defined once: the store they
// read and change, the page's clock, and the error a request gets when the backend never answered.
import type { ProtocolError } from '@wegent/shared';
import type { Action, State } from './state';

/** The page's state and its one way to change: the Controller. `state` is read again after an await. */
export interface Store {
  readonly state: State;
  dispatch(action: Action): void;
}

/** Live pushes are stamped with the page's clock: when the user saw the reply start and end. */
export const now = () => new Date().toISOString();

export const NO_ANSWER: ProtocolError = { code: 'UNAVAILABLE', message: 'The backend did not answer.' };
