// Preact binding of the controller: re-render on every new state, and hand components the
// controller itself for their intents.
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { Controller } from './controller';
import type { State } from './state';

export const ControllerContext = createContext<Controller | null>(null);

export function useController(): Controller {
  const c = useContext(ControllerContext);
  if (!c) throw new Error('useController outside <ControllerContext.Provider>');
  return c;
}

export function useAppState(): State {
  const c = useController();
  const [state, setState] = useState(c.state);
  useEffect(() => {
    setState(c.state);
    return c.subscribe(setState);
  }, [c]);
  return state;
}
