/** Consumer side of PrivateLink: interface, gateway and Gateway Load Balancer endpoints. */
import type { Handlers } from '../../../api/context.js';
import type { Tick } from '../../tick.js';

export const consumerHandlers: Handlers = {};
export const consumerTick: Tick = async () => {};
