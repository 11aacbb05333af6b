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
