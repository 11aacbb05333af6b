/** PrivateLink: endpoint services, permissions, endpoints, connections. */
import type { Handlers } from '../../api/context.js';
import type { Tick } from '../tick.js';

export const privatelinkHandlers: Handlers = {};
export const privatelinkNotSupported: Record<string, string> = {};
export const privatelinkTick: Tick = async () => {};
