/** ELBv2: network and gateway load balancers, target groups, targets, listeners, attributes, tags. */
import type { Handlers } from '../../api/context.js';
import type { Tick } from '../tick.js';

export const elbHandlers: Handlers = {};
export const elbTick: Tick = async () => {};
