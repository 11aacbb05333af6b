/** EC2 substrate: regions, zones, VPCs, subnets, security groups, route tables, prefix lists, ENIs, tags. */
import type { Handlers } from '../../api/context.js';
import { elapsed, type Tick } from '../tick.js';
import { copy } from './common.js';
import { networkInterfaceLifecycleHandlers } from './network-interface-lifecycle.js';
import { networkInterfaceHandlers } from './network-interfaces.js';
import { regionHandlers } from './regions.js';
import { routeTableHandlers } from './route-tables.js';
import { securityGroupHandlers } from './security-groups.js';
import { subnetHandlers } from './subnets.js';
import { tagHandlers } from './tags.js';
import { vpcHandlers } from './vpcs.js';

export { awsPrefixLists, findAwsPrefixList, type AwsPrefixList } from './prefix-lists.js';

export const substrateHandlers: Handlers = {
  ...regionHandlers,
  ...vpcHandlers,
  ...subnetHandlers,
  ...securityGroupHandlers,
  ...routeTableHandlers,
  ...networkInterfaceHandlers,
  ...networkInterfaceLifecycleHandlers,
  ...tagHandlers,
};

/** VPCs and subnets are `pending` for the configured delay after creation, then `available`. */
export const substrateTick: Tick = async (tx, now, config) => {
  let waiting = false;
  for (const vpc of await tx.listWhere('vpc', undefined, 'state', 'pending')) {
    if (elapsed(vpc.createdAt, now, config.stateDelayMs)) await tx.put({ ...copy(vpc), state: 'available' }); else waiting = true;
  }
  for (const subnet of await tx.listWhere('subnet', undefined, 'state', 'pending')) {
    if (elapsed(subnet.createdAt, now, config.stateDelayMs)) await tx.put({ ...copy(subnet), state: 'available' }); else waiting = true;
  }
  return waiting;
};
