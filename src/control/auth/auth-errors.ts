/** The authentication errors, coded and worded as EC2 and ELBv2 answer them (evidence in the comments). */
import { ApiError } from '../../core/errors.js';
import type { HttpRequestParts } from './authenticator.js';

/**
 * Which API's conventions apply. EC2 has its own auth codes (AuthFailure, RequestExpired); ELBv2
 * answers like the other Query-protocol services (IAM, STS, CloudFormation).
 */
export type ApiFlavor = 'ec2' | 'elb';

/** The signing names this server serves. */
export const SIGNING_NAMES = { ec2: 'ec2', elb: 'elasticloadbalancing', route53resolver: 'route53resolver' } as const;

/** AWS's text for a signature that does not recompute (EC2 and the Query services say the same). */
export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/**
 * The API a request is meant for: the credential scope's service when it is one of ours, else the
 * form's Version (2015-12-01 is ELBv2), else EC2 (the server's fallback envelope too).
 */
export function flavorOf(req: HttpRequestParts, scopeService?: string): ApiFlavor {
  if (scopeService === SIGNING_NAMES.ec2) return 'ec2';
  // Route 53 Resolver's JSON protocol answers with the Query services' codes, renamed by api/json-dispatch.ts.
  if (scopeService === SIGNING_NAMES.elb || scopeService === SIGNING_NAMES.route53resolver) return 'elb';
  const elbVersion = /(^|&)Version=2015-12-01(&|$)/;
  if (elbVersion.test(req.query) || elbVersion.test(req.body.toString('latin1'))) return 'elb';
  return 'ec2';
}

/** No Authorization header and no X-Amz-Algorithm query parameter: 403 MissingAuthenticationToken. */
export function missingToken(detail?: string): ApiError {
  return new ApiError('MissingAuthenticationToken', `Request is missing Authentication Token${detail ? `: ${detail}` : ''}`);
}

/** An Authorization header or presigned query that cannot be parsed: 403 IncompleteSignature. */
export function incomplete(message: string): ApiError {
  return new ApiError('IncompleteSignature', message);
}

/**
 * An access key this server does not know. EC2 answers 401 AuthFailure "AWS was not able to
 * validate the provided access credentials" (seen in EC2 error envelopes quoted in
 * aws/aws-sdk-java-v2#2981, boto/botocore#893, turbot/steampipe-plugin-aws#75 with status 401);
 * the Query services (ELBv2 among them) answer 403 InvalidClientTokenId "The security token
 * included in the request is invalid."
 */
export function unknownKey(flavor: ApiFlavor, hint: string): ApiError {
  return flavor === 'ec2'
    ? new ApiError('AuthFailure', `AWS was not able to validate the provided access credentials. ${hint}`)
    : new ApiError('InvalidClientTokenId', `The security token included in the request is invalid. ${hint}`);
}

/**
 * A signature that does not recompute, or a scope/header rule broken: 403 SignatureDoesNotMatch.
 * EC2 answers a wrong secret with SignatureDoesNotMatch in its <Response><Errors> envelope, HTTP 403
 * (aws/aws-cli#135, pplu/aws-sdk-perl#13, mitchellh/vagrant-aws#138); the Query services do the
 * same, and put the scope and signed-header rules under that code too, with the messages used here
 * ("Credential should be scoped to a valid region, not 'x'.", "'Host' or ':authority' must be a
 * 'SignedHeader' in the AWS Authorization.", as modelled by the scratchstack-aws-signature crate
 * and quoted from AWS in scylladb's alternator comments).
 */
export function signatureMismatch(message: string = SIGNATURE_MISMATCH): ApiError {
  return new ApiError('SignatureDoesNotMatch', message);
}

/**
 * A request outside the clock-skew window (or past its presigned expiry). EC2 answers 400
 * RequestExpired "Request has expired." (aws/aws-sdk-java#1443 shows status 400,
 * aws/aws-sdk-go-v2#1674); the Query services answer SignatureDoesNotMatch "Signature expired: … is
 * now earlier than … (… - 15 min.)" / "Signature not yet current: … is still later than … (… + 15
 * min.)" (convox/rack#235; AWS's SigV4 troubleshooting page).
 */
export function expired(flavor: ApiFlavor, queryServiceMessage: string): ApiError {
  return flavor === 'ec2'
    ? new ApiError('RequestExpired', `Request has expired. ${queryServiceMessage}`)
    : new ApiError('SignatureDoesNotMatch', queryServiceMessage);
}
