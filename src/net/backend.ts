/** The network backends the data plane runs on: real namespaces (netns.ts) or the host's loopback range (loopback.ts). */
import { spawn } from 'node:child_process';
import type { LoopbackBackend } from './loopback.js';
import type { NetnsBackend } from './netns.js';

export type NetworkBackend = NetnsBackend | LoopbackBackend;

/** What starting a process "where a VPC's router is" needs. */
export type ProcessHost = Pick<NetworkBackend, 'execIn'>;

/** Runs processes in the host's own namespace (the `namespace` argument is ignored). */
export const HOST_PROCESSES: ProcessHost = {
  execIn(_namespace, argv, opts = {}) {
    if (argv.length === 0) throw new Error('execIn: empty command');
    return spawn(argv[0]!, argv.slice(1), { env: opts.env, cwd: opts.cwd, stdio: opts.stdio ?? 'pipe', timeout: opts.timeoutMs, killSignal: 'SIGKILL' });
  },
};
