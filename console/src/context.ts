/** What every view gets: the API client and the signed-in account. */
import { createContext, useContext } from 'react';
import type { ConsoleApi, Session } from './api.ts';

export interface ConsoleContext { api: ConsoleApi; session: Session }

export const Ctx = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const c = useContext(Ctx);
  if (!c) throw new Error('useConsole outside a signed-in console');
  return c;
}
