/** Consumer side of PrivateLink: interface, gateway and Gateway Load Balancer endpoints. */
import type { Handlers } from '../../../api/context.js';
import type { Tick } from '../../tick.js';
import { createVpcEndpoint } from './endpoints-create.js';
import { deleteVpcEndpoints } from './endpoints-delete.js';
import { describeVpcEndpoints } from './endpoints-describe.js';
import { modifyVpcEndpoint } from './endpoints-modify.js';
import { consumerTick as tick } from './lifecycle.js';

export const consumerHandlers: Handlers = {
  CreateVpcEndpoint: createVpcEndpoint,
  ModifyVpcEndpoint: modifyVpcEndpoint,
  DescribeVpcEndpoints: describeVpcEndpoints,
  DeleteVpcEndpoints: deleteVpcEndpoints,
};

export const consumerTick: Tick = tick;
export { dnsEntriesFor } from './dns.js';
