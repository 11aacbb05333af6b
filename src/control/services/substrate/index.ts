/** EC2 substrate: regions, zones, VPCs, subnets, security groups, route tables, prefix lists, ENIs, tags. */
import type { Handlers } from '../../api/context.js';
import type { Tick } from '../tick.js';

export const substrateHandlers: Handlers = {};
export const substrateTick: Tick = async () => {};
