/**
 * Endpoint policies: AWS's default documents (byte for byte as AWS returns them) and the checks a
 * `PolicyDocument` must pass. Underpass stores and returns a policy verbatim; it does not evaluate
 * it (the services behind customer endpoints speak arbitrary TCP). Pure.
 */
import { ApiError } from '../../../../core/errors.js';

/**
 * The default policy of an interface endpoint as AWS returns it: pretty-printed with two-space
 * indentation, a space before each line break after a comma (Python's old `json.dumps` style), and
 * no `Version` (reference §6.2, and the recorded AWS responses).
 */
export const DEFAULT_INTERFACE_POLICY =
  '{\n  "Statement": [\n    {\n      "Action": "*", \n      "Effect": "Allow", \n      "Principal": "*", \n      "Resource": "*"\n    }\n  ]\n}';

/** The default policy of a gateway endpoint as AWS returns it: compact, with `Version` 2008-10-17. */
export const DEFAULT_GATEWAY_POLICY =
  '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}';

/** Endpoint policy size quota (characters, whitespace included; not adjustable). */
export const MAX_POLICY_LENGTH = 20_480;

export function defaultPolicyFor(type: 'Interface' | 'Gateway'): string {
  return type === 'Gateway' ? DEFAULT_GATEWAY_POLICY : DEFAULT_INTERFACE_POLICY;
}

function bad(why: string): ApiError {
  return new ApiError('InvalidPolicyDocument', `The endpoint policy document is invalid: ${why}`);
}

function isStringOrStrings(v: unknown): boolean {
  return typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
}

/**
 * Checks a policy document: at most 20,480 characters, a JSON object with a `Statement` (one
 * statement or a non-empty list); each statement has `Effect` Allow or Deny, a `Principal` or
 * `NotPrincipal` (endpoint policies are resource policies) and an `Action` or `NotAction`.
 * Throws `InvalidPolicyDocument` saying what is wrong. Returns the document unchanged.
 */
export function validatePolicyDocument(text: string): string {
  if (text.length > MAX_POLICY_LENGTH) {
    throw bad(`it is ${text.length} characters long; the maximum is ${MAX_POLICY_LENGTH}`);
  }
  if (text.trim() === '') throw bad('it is empty');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(`it is not valid JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('it must be a JSON object');
  const obj = doc as Record<string, unknown>;
  const version = obj['Version'];
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    throw bad(`Version '${String(version)}' is not a policy language version (2012-10-17 or 2008-10-17)`);
  }
  const statement = obj['Statement'];
  if (statement === undefined) throw bad('it has no Statement');
  const statements = Array.isArray(statement) ? statement : [statement];
  if (statements.length === 0) throw bad('Statement is an empty list');
  statements.forEach((s, i) => {
    const where = `statement ${i + 1}`;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw bad(`${where} is not a JSON object`);
    const st = s as Record<string, unknown>;
    if (st['Effect'] !== 'Allow' && st['Effect'] !== 'Deny') throw bad(`${where} needs "Effect": "Allow" or "Deny"`);
    if (st['Principal'] === undefined && st['NotPrincipal'] === undefined) {
      throw bad(`${where} has no Principal (an endpoint policy is a resource policy and must name its principals, e.g. "Principal": "*")`);
    }
    const action = st['Action'] ?? st['NotAction'];
    if (action === undefined) throw bad(`${where} has no Action or NotAction`);
    if (!isStringOrStrings(action)) throw bad(`${where}: Action must be a string or a list of strings`);
    const resource = st['Resource'] ?? st['NotResource'];
    if (resource !== undefined && !isStringOrStrings(resource)) throw bad(`${where}: Resource must be a string or a list of strings`);
  });
  return text;
}
