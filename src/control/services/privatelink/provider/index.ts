/** Provider side of PrivateLink: endpoint service configurations, permissions, connections. */
import type { Handlers } from '../../../api/context.js';
import type { Tick } from '../../tick.js';

export const providerHandlers: Handlers = {};
export const providerTick: Tick = async () => {};
