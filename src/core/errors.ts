/** AWS errors: one class, one catalogue of codes with their HTTP status. */

/** Codes that do not answer 400. Everything else is a 400 client error. */
const STATUS: Record<string, number> = {
  AuthFailure: 401,
  MissingAuthenticationToken: 403,
  SignatureDoesNotMatch: 403,
  IncompleteSignature: 403,
  InvalidClientTokenId: 403,
  RequestExpired: 400,
  UnauthorizedOperation: 403,
  AccessDenied: 403,
  OperationNotPermitted: 400,
  DryRunOperation: 412,
  RequestEntityTooLarge: 413,
  InternalError: 500,
  InternalFailure: 500,
  Unavailable: 503,
  RequestLimitExceeded: 503,
  HealthUnavailable: 500,
  // ELBv2 "NotFound" style errors answer 400, as AWS does; listed for the catalogue test.
};

/** Every code Underpass emits, with the HTTP status it answers (the catalogue docs/errors.md mirrors). */
export const ERROR_CODES = [
  // generic (both APIs)
  'AuthFailure', 'MissingAuthenticationToken', 'SignatureDoesNotMatch', 'IncompleteSignature',
  'InvalidClientTokenId', 'RequestExpired', 'UnauthorizedOperation', 'DryRunOperation',
  'RequestEntityTooLarge', 'InternalError', 'InternalFailure', 'InvalidAction', 'MissingAction', 'NoSuchVersion',
  'MalformedQueryString', 'InvalidHttpRequest',
  'MissingParameter', 'UnknownParameter', 'InvalidParameter', 'InvalidParameterValue',
  'InvalidParameterCombination', 'InvalidFilter', 'InvalidNextToken', 'IdempotentParameterMismatch',
  'ValidationError', 'UnsupportedOperation', 'DependencyViolation', 'OperationNotPermitted',
  'InvalidID',
  // EC2 substrate
  'InvalidVpcID.NotFound', 'InvalidVpcID.Malformed', 'InvalidVpcRange', 'InvalidSubnetID.NotFound',
  'InvalidSubnetID.Malformed', 'InvalidSubnet.Range', 'InvalidSubnet.Conflict',
  'InvalidAvailabilityZone', 'InvalidGroup.NotFound', 'InvalidGroupId.Malformed', 'InvalidGroup.Duplicate',
  'InvalidGroup.Reserved', 'CannotDelete', 'InvalidPermission.Duplicate', 'InvalidPermission.NotFound',
  'InvalidPermission.Malformed', 'InvalidRouteTableID.NotFound', 'InvalidRouteTableId.Malformed',
  'InvalidAssociationID.NotFound', 'Resource.AlreadyAssociated', 'InvalidPrefixListId.NotFound',
  'InvalidNetworkInterfaceID.NotFound', 'InvalidNetworkInterfaceId.Malformed', 'InvalidSecurityGroupRuleId.NotFound',
  'InvalidRegion', 'InvalidTagKey.Malformed', 'TagLimitExceeded',
  // PrivateLink
  'InvalidVpcEndpointId.NotFound', 'InvalidVpcEndpointId.Malformed', 'InvalidVpcEndpointServiceId.NotFound',
  'InvalidVpcEndpointService.NotFound', 'InvalidVpcEndpointServiceId.Malformed', 'ExistingVpcEndpointConnections',
  'InvalidServiceName', 'InvalidVpcEndpointType', 'InvalidPolicyDocument', 'VpcEndpointLimitExceeded',
  'RouteAlreadyExists', 'InvalidState', 'IncorrectState', 'InvalidNetworkLoadBalancerArn.Malformed',
  'InvalidNetworkLoadBalancerArn.NotFound', 'InvalidGatewayLoadBalancerArn.NotFound',
  'InvalidConnectionNotification', 'InvalidPrincipal',
  // ELBv2
  'LoadBalancerNotFound', 'TargetGroupNotFound', 'ListenerNotFound', 'DuplicateLoadBalancerName',
  'DuplicateTargetGroupName', 'DuplicateListener', 'DuplicateTagKeys', 'TooManyTags', 'TooManyTargets',
  'TooManyLoadBalancers', 'TooManyTargetGroups', 'TooManyListeners', 'SubnetNotFound', 'InvalidSubnet',
  'InvalidSecurityGroup', 'InvalidScheme', 'InvalidTarget', 'InvalidConfigurationRequest',
  'IncompatibleProtocols', 'UnsupportedProtocol', 'ResourceInUse', 'AvailabilityZoneNotSupported',
  'InvalidLoadBalancerAction', 'TargetGroupAssociationLimit',
  // PrivateLink consumer (appended)
  'DuplicateSubnetsInSameZone',
  // EC2 substrate (appended)
  'VPCIdNotSpecified', 'RulesPerSecurityGroupLimitExceeded',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function httpStatusOf(code: string): number {
  return STATUS[code] ?? 400;
}

/** An error that goes back to the client as an AWS error envelope. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = httpStatusOf(code);
  }
}

export function apiError(code: ErrorCode, message: string): ApiError {
  return new ApiError(code, message);
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** What each code means here (docs/errors.md is generated from this). */
export const ERROR_MEANINGS: Partial<Record<ErrorCode, string>> = {
  AuthFailure: 'EC2: the access key is not known (dev mode: use `test` or a 12-digit key; strict: a key from `underpass accounts create`)',
  MissingAuthenticationToken: 'the request is not signed',
  SignatureDoesNotMatch: 'the recomputed SigV4 signature differs, the body hash header is wrong, the scope names another region or service, or (ELBv2) the request is outside the 15-minute window',
  IncompleteSignature: 'the Authorization header or presigned query is malformed',
  InvalidClientTokenId: 'ELBv2: the access key is not known; or the scope names a service this port does not serve',
  RequestExpired: 'EC2: X-Amz-Date is more than 15 minutes away from the server clock, or a presigned URL expired',
  UnauthorizedOperation: 'the caller may not perform the operation',
  DryRunOperation: 'DryRun=true and the request would have succeeded (nothing was changed)',
  RequestEntityTooLarge: 'the request body exceeds 1 MiB',
  InternalError: 'a bug in Underpass; the transaction was rolled back',
  InternalFailure: 'a bug in Underpass; the transaction was rolled back',
  InvalidAction: 'the Action is not an operation of the API',
  MissingAction: 'the request has no Action',
  NoSuchVersion: 'the Version is not the API version Underpass serves (2016-11-15 for EC2, 2015-12-01 for ELBv2)',
  MalformedQueryString: 'the form cannot be decoded',
  InvalidHttpRequest: 'the body is not application/x-www-form-urlencoded, or could not be read',
  MissingParameter: 'a required parameter is absent',
  UnknownParameter: 'a parameter is not part of the operation',
  InvalidParameter: 'a parameter is not acceptable in this combination or state (the message says why)',
  InvalidParameterValue: 'a parameter value is malformed, out of range or not one of the allowed values',
  InvalidParameterCombination: 'parameters that exclude each other were given together',
  InvalidFilter: 'a filter is malformed',
  InvalidNextToken: 'the NextToken does not belong to this listing',
  IdempotentParameterMismatch: 'the ClientToken was used before with other parameters',
  ValidationError: 'ELBv2: a parameter is missing, malformed or out of range',
  UnsupportedOperation: 'the operation exists in AWS but Underpass does not serve it yet (the message names it and why)',
  DependencyViolation: 'the resource is still in use (ENIs in a subnet, subnets in a VPC, a group referenced, …)',
  OperationNotPermitted: 'the operation is not allowed on this resource (deletion protection, requester-managed, …)',
  InvalidID: 'the id has a prefix of no known resource type',
  VPCIdNotSpecified: 'CreateSecurityGroup without VpcId: Underpass has no default VPC',
  RulesPerSecurityGroupLimitExceeded: 'a security group may hold at most 60 inbound and 60 outbound rules',
};
