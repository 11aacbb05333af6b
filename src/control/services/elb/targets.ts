/**
 * RegisterTargets, DeregisterTargets, DescribeTargetHealth.
 *
 * `ip` targets: an IPv4 address inside the target group's VPC (its AZ is the AZ of the subnet that
 * holds it) or, outside the VPC, in RFC 1918 / RFC 6598 space with an AvailabilityZone (a zone name
 * or `all`). Public addresses are refused. `instance` targets: Underpass runs no EC2 instances,
 * so registering an instance id is refused with InvalidTarget (an `instance` target group can
 * still be created, as Terraform's default does, but cannot hold targets).
 */
import { ApiError } from '../../../core/errors.js';
import { ipToInt } from '../../../core/cidr.js';
import { findZone } from '../../../core/regions.js';
import type { Handler, RequestContext } from '../../api/context.js';
import type { RegisteredTarget, TargetGroupDoc } from '../../resources.js';
import { computeTargetHealth, targetZone } from './health.js';
import { accountListeners, inUseSince, loadBalancersOf } from './present.js';
import { inCidr, isPrivateRange, ownedTargetGroup } from './validate.js';

interface TargetInput { Id: string; Port?: number; AvailabilityZone?: string; QuicServerId?: string }

export const MAX_TARGETS_PER_GROUP = 1000;

function checkTargetId(tg: TargetGroupDoc, id: string): void {
  if (tg.targetType === 'instance') {
    if (!/^i-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) {
      throw new ApiError('InvalidTarget', `The target Id '${id}' is not a valid instance ID (target group '${tg.name}' has target type 'instance')`);
    }
    return;
  }
  if (ipToInt(id) === undefined) {
    throw new ApiError('InvalidTarget', `The target Id '${id}' is not a valid IPv4 address (target group '${tg.name}' has target type 'ip')`);
  }
}

function samePort(tg: TargetGroupDoc, t: TargetInput): number {
  return t.Port ?? tg.port ?? 0;
}

/** Validates an `ip` target and resolves its zone: the subnet's AZ inside the VPC, else the given AZ. */
async function resolveIpTarget(ctx: RequestContext, tg: TargetGroupDoc, t: TargetInput): Promise<{ zone?: string; availabilityZone?: string }> {
  const vpc = tg.vpcId ? await ctx.tx.get('vpc', tg.vpcId) : undefined;
  if (!vpc) throw new ApiError('InvalidTarget', `The VPC '${tg.vpcId ?? ''}' of target group '${tg.name}' no longer exists`);
  const az = t.AvailabilityZone;
  if (az !== undefined && az !== 'all' && !findZone(ctx.region, az)) {
    throw new ApiError('ValidationError', `Availability Zone '${az}' is not valid for target '${t.Id}': use a zone of ${ctx.region} or 'all'`);
  }
  if (inCidr(vpc.cidrBlock, t.Id)) {
    const subnets = (await ctx.tx.list('subnet', vpc.account)).filter((s) => s.vpcId === vpc.id);
    const subnet = subnets.find((s) => inCidr(s.cidrBlock, t.Id));
    if (!subnet) throw new ApiError('InvalidTarget', `The IP address '${t.Id}' is in VPC '${vpc.id}' (${vpc.cidrBlock}) but in none of its subnets`);
    if (az !== undefined && az !== 'all' && findZone(ctx.region, az)!.zoneName !== subnet.availabilityZone) {
      throw new ApiError('ValidationError', `Target '${t.Id}' is in subnet '${subnet.id}' in ${subnet.availabilityZone}, not in Availability Zone '${az}'`);
    }
    return { zone: subnet.availabilityZone, availabilityZone: az };
  }
  if (!isPrivateRange(t.Id)) {
    throw new ApiError('InvalidTarget',
      `The IP address '${t.Id}' cannot be a target: it is outside VPC '${vpc.id}' (${vpc.cidrBlock}) and not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10); public addresses are not allowed`);
  }
  if (az === undefined) {
    throw new ApiError('ValidationError', `An AvailabilityZone (a zone name or 'all') must be specified for target '${t.Id}', which is outside VPC '${vpc.id}'`);
  }
  return { availabilityZone: az === 'all' ? 'all' : findZone(ctx.region, az)!.zoneName };
}

export const registerTargets: Handler = async (ctx, input: { TargetGroupArn: string; Targets: TargetInput[] }) => {
  const tg = await ownedTargetGroup(ctx, input.TargetGroupArn);
  if (input.Targets.length === 0) throw new ApiError('ValidationError', 'At least one target must be specified');
  const targets = tg.targets.map((t) => ({ ...t }));
  for (const t of input.Targets) {
    checkTargetId(tg, t.Id);
    if (t.QuicServerId !== undefined) throw new ApiError('ValidationError', 'QuicServerId applies to QUIC target groups only');
    if (tg.targetType === 'instance') {
      throw new ApiError('InvalidTarget',
        `Instance target '${t.Id}' cannot be registered: Underpass runs no EC2 instances. Register IP addresses in a target group with target type 'ip'`);
    }
    const port = samePort(tg, t);
    const where = await resolveIpTarget(ctx, tg, t);
    const existing = targets.find((x) => x.id === t.Id && x.port === port);
    if (existing) {
      if (existing.drainingUntil !== undefined) {
        // Re-registering a draining target cancels the deregistration; registration starts again.
        delete existing.drainingUntil;
        existing.registeredAt = ctx.now.toISOString();
      }
      continue;
    }
    const rt: RegisteredTarget = { id: t.Id, port, registeredAt: ctx.now.toISOString() };
    if (where.availabilityZone !== undefined) rt.availabilityZone = where.availabilityZone;
    if (where.zone !== undefined) rt.zone = where.zone;
    targets.push(rt);
  }
  if (targets.length > MAX_TARGETS_PER_GROUP) {
    throw new ApiError('TooManyTargets', `A target group can have at most ${MAX_TARGETS_PER_GROUP} targets; this request would make ${targets.length}`);
  }
  await ctx.tx.put({ ...tg, targets });
  return {};
};

export const deregisterTargets: Handler = async (ctx, input: { TargetGroupArn: string; Targets: TargetInput[] }) => {
  const tg = await ownedTargetGroup(ctx, input.TargetGroupArn);
  if (input.Targets.length === 0) throw new ApiError('ValidationError', 'At least one target must be specified');
  const inUse = loadBalancersOf(tg.id, await accountListeners(ctx.tx, ctx.account)).length > 0;
  const delayS = Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? '300');
  let targets = tg.targets.map((t) => ({ ...t }));
  for (const t of input.Targets) {
    checkTargetId(tg, t.Id);
    const port = samePort(tg, t);
    // As AWS: Port defaults to the group's port, and an unknown (id, port) is a no-op.
    const match = (x: RegisteredTarget) => x.id === t.Id && x.port === port;
    if (!inUse || delayS === 0) {
      // A target group no listener uses has no connections to drain: the target goes at once.
      targets = targets.filter((x) => !match(x));
      continue;
    }
    for (const x of targets) {
      if (match(x) && x.drainingUntil === undefined) x.drainingUntil = new Date(ctx.now.getTime() + delayS * 1000).toISOString();
    }
  }
  await ctx.tx.put({ ...tg, targets });
  return {};
};

export const describeTargetHealth: Handler = async (ctx, input: { TargetGroupArn: string; Targets?: TargetInput[]; Include?: string[] }) => {
  const tg = await ownedTargetGroup(ctx, input.TargetGroupArn);
  const listeners = await accountListeners(ctx.tx, ctx.account);
  const lbArn = loadBalancersOf(tg.id, listeners)[0];
  const lb = lbArn ? await ctx.tx.get('load-balancer', lbArn) : undefined;
  const since = inUseSince(tg.id, listeners);
  let rows: Array<{ target: RegisteredTarget | undefined; id: string; port: number; az?: string }>;
  if (input.Targets?.length) {
    rows = [];
    for (const t of input.Targets) {
      checkTargetId(tg, t.Id);
      const port = samePort(tg, t);
      const x = tg.targets.find((r) => r.id === t.Id && r.port === port);
      rows.push(x ? { target: x, id: x.id, port: x.port, az: targetZone(x) } : { target: undefined, id: t.Id, port, az: t.AvailabilityZone });
    }
  } else {
    rows = tg.targets.map((x) => ({ target: x, id: x.id, port: x.port, az: targetZone(x) }));
  }
  return {
    TargetHealthDescriptions: rows.map((r) => ({
      Target: { Id: r.id, Port: r.port, AvailabilityZone: r.az },
      HealthCheckPort: tg.healthCheck.port === 'traffic-port' ? String(r.port) : tg.healthCheck.port,
      TargetHealth: computeTargetHealth({
        target: r.target, loadBalancer: lb, inUseSince: since, now: ctx.now, registrationMs: ctx.config.stateDelayMs,
        observed: ctx.config.dataPlane?.observedHealth(tg.id, r.id, r.port),
      }),
    })),
  };
};
