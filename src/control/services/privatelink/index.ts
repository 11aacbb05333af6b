/** PrivateLink: endpoint services and their permissions and connections (provider), endpoints (consumer). */
import type { Handlers } from '../../api/context.js';
import type { Tick } from '../tick.js';
import { providerHandlers, providerTick } from './provider/index.js';

export { startPrivateDnsVerifier, type PrivateDnsVerifier } from './provider/index.js';
import { consumerHandlers, consumerTick } from './consumer/index.js';

export const privatelinkHandlers: Handlers = { ...providerHandlers, ...consumerHandlers };

/** Operations of the model that are not served yet, and why (the error names them). */
export const privatelinkNotSupported: Record<string, string> = {
  CreateVpcEndpointConnectionNotification: 'connection notifications are not implemented yet',
  ModifyVpcEndpointConnectionNotification: 'connection notifications are not implemented yet',
  DescribeVpcEndpointConnectionNotifications: 'connection notifications are not implemented yet',
  DeleteVpcEndpointConnectionNotifications: 'connection notifications are not implemented yet',
};

export const privatelinkTick: Tick = async (tx, now, config) => {
  const consumer = await consumerTick(tx, now, config);
  const provider = await providerTick(tx, now, config);
  return consumer || provider;
};
