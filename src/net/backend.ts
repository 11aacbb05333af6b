/** The network backends the data plane runs on: real namespaces (netns.ts) or the host's loopback range (loopback.ts). */
import type { LoopbackBackend } from './loopback.js';
import type { NetnsBackend } from './netns.js';

export type NetworkBackend = NetnsBackend | LoopbackBackend;

/** What starting a process "where a VPC's router is" needs. */
export type ProcessHost = Pick<NetworkBackend, 'execIn'>;
