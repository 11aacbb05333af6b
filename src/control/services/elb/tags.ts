/** AddTags, RemoveTags, DescribeTags over load balancer, target group and listener ARNs. */
import { ApiError } from '../../../core/errors.js';
import type { Handler, RequestContext } from '../../api/context.js';
import type { ListenerDoc, LoadBalancerDoc, TargetGroupDoc } from '../../resources.js';
import { MAX_ELB_TAGS, arnKind, checkTags, listenerNotFound, lbNotFound, tgNotFound } from './validate.js';

type Taggable = LoadBalancerDoc | TargetGroupDoc | ListenerDoc;

function checkArnList(arns: string[]): void {
  if (arns.length === 0) throw new ApiError('ValidationError', 'At least one resource ARN must be specified');
  if (arns.length > 20) throw new ApiError('ValidationError', `At most 20 resource ARNs can be given; got ${arns.length}`);
}

/** The caller's resource named by an ELB ARN; the NotFound code follows the ARN's type. */
async function taggable(ctx: RequestContext, arn: string): Promise<Taggable> {
  const kind = arnKind(arn);
  if (!kind) throw new ApiError('ValidationError', `'${arn}' is not a valid load balancer, target group or listener ARN`);
  const doc = await ctx.tx.get(kind, arn);
  if (!doc || doc.account !== ctx.account) {
    throw kind === 'load-balancer' ? lbNotFound(arn) : kind === 'target-group' ? tgNotFound(arn) : listenerNotFound(arn);
  }
  return doc;
}

export const addTags: Handler = async (ctx, input: { ResourceArns: string[]; Tags: Array<{ Key?: string; Value?: string }> }) => {
  checkArnList(input.ResourceArns);
  const add = checkTags(input.Tags);
  for (const arn of input.ResourceArns) {
    const doc = await taggable(ctx, arn);
    const merged = doc.tags.filter((t) => !add.some((a) => a.Key === t.Key)).concat(add);
    if (merged.length > MAX_ELB_TAGS) {
      throw new ApiError('TooManyTags', `Resource '${arn}' would have ${merged.length} tags; the limit is ${MAX_ELB_TAGS}`);
    }
    await ctx.tx.put({ ...doc, tags: merged });
  }
  return {};
};

export const removeTags: Handler = async (ctx, input: { ResourceArns: string[]; TagKeys: string[] }) => {
  checkArnList(input.ResourceArns);
  if (input.TagKeys.length === 0) throw new ApiError('ValidationError', 'At least one tag key must be specified');
  for (const arn of input.ResourceArns) {
    const doc = await taggable(ctx, arn);
    await ctx.tx.put({ ...doc, tags: doc.tags.filter((t) => !input.TagKeys.includes(t.Key)) });
  }
  return {};
};

export const describeTags: Handler = async (ctx, input: { ResourceArns: string[] }) => {
  checkArnList(input.ResourceArns);
  const out = [];
  for (const arn of input.ResourceArns) {
    const doc = await taggable(ctx, arn);
    out.push({ ResourceArn: arn, Tags: doc.tags });
  }
  return { TagDescriptions: out };
};
