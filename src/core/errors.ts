/** AWS errors: one class, one catalogue of codes with their HTTP status. */

/** Codes that do not answer 400. Everything else is a 400 client error. */
const STATUS: Record<string, number> = {
  AuthFailure: 401,
  MissingAuthenticationToken: 403,
  SignatureDoesNotMatch: 403,
  IncompleteSignature: 403,
  InvalidClientTokenId: 403,
  RequestExpired: 400,
  AccessDenied: 403,
  OperationNotPermitted: 400,
  DryRunOperation: 412,
  RequestEntityTooLarge: 413,
  // AWS's Common Errors page: MalformedQueryString answers 404.
  MalformedQueryString: 404,
  InternalError: 500,
  Unavailable: 503,
  RequestLimitExceeded: 503,
  HealthUnavailable: 500,
  // Route 53 Resolver (JSON protocol): errors without an httpStatusCode in the model answer 400.
  InternalServiceErrorException: 500,
  MissingAuthenticationTokenException: 403,
  // ELBv2 "NotFound" style errors answer 400, as AWS does; listed for the catalogue test.
};

/** Every code Underpass emits, with the HTTP status it answers (the catalogue docs/errors.md mirrors). */
export const ERROR_CODES = [
  // generic (both APIs)
  'AuthFailure', 'MissingAuthenticationToken', 'SignatureDoesNotMatch', 'IncompleteSignature',
  'InvalidClientTokenId', 'RequestExpired', 'DryRunOperation',
  'RequestEntityTooLarge', 'InternalError', 'InvalidAction', 'MissingAction', 'NoSuchVersion',
  'MalformedQueryString', 'InvalidHttpRequest',
  'MissingParameter', 'UnknownParameter', 'InvalidParameter', 'InvalidParameterValue',
  'InvalidParameterCombination', 'InvalidNextToken', 'IdempotentParameterMismatch',
  'ValidationError', 'UnsupportedOperation', 'DependencyViolation', 'OperationNotPermitted',
  'InvalidID',
  // EC2 substrate
  'InvalidVpcID.NotFound', 'InvalidVpcID.Malformed', 'InvalidVpc.Range', 'InvalidSubnetID.NotFound',
  'InvalidSubnetID.Malformed', 'InvalidSubnet.Range', 'InvalidSubnet.Conflict', 'InvalidGroup.NotFound', 'InvalidGroupId.Malformed', 'InvalidGroup.Duplicate',
  'InvalidGroup.Reserved', 'CannotDelete', 'InvalidPermission.Duplicate', 'InvalidPermission.NotFound', 'InvalidRouteTableID.NotFound', 'InvalidRouteTableId.Malformed',
  'InvalidAssociationID.NotFound', 'Resource.AlreadyAssociated', 'InvalidPrefixListId.NotFound',
  'InvalidNetworkInterfaceID.NotFound', 'InvalidNetworkInterfaceId.Malformed', 'InvalidSecurityGroupRuleId.NotFound', 'TagLimitExceeded',
  // PrivateLink
  'InvalidVpcEndpointId.NotFound', 'InvalidVpcEndpointId.Malformed', 'InvalidVpcEndpointServiceId.NotFound',
  'InvalidVpcEndpointService.NotFound', 'InvalidVpcEndpointServiceId.Malformed', 'ExistingVpcEndpointConnections',
  'InvalidServiceName', 'InvalidPolicyDocument', 'VpcEndpointLimitExceeded',
  'RouteAlreadyExists', 'InvalidState', 'IncorrectState', 'InvalidNetworkLoadBalancerArn.Malformed',
  'InvalidNetworkLoadBalancerArn.NotFound', 'InvalidGatewayLoadBalancerArn.NotFound', 'InvalidPrincipal',
  // ELBv2
  'LoadBalancerNotFound', 'TargetGroupNotFound', 'ListenerNotFound', 'DuplicateLoadBalancerName',
  'DuplicateTargetGroupName', 'DuplicateListener', 'DuplicateTagKeys', 'TooManyTags', 'TooManyTargets', 'SubnetNotFound', 'InvalidSubnet',
  'InvalidSecurityGroup', 'InvalidTarget', 'InvalidConfigurationRequest',
  'IncompatibleProtocols', 'UnsupportedProtocol', 'ResourceInUse',
  'InvalidLoadBalancerAction', 'TargetGroupAssociationLimit',
  // PrivateLink consumer (appended)
  'DuplicateSubnetsInSameZone',
  // EC2 substrate (appended)
  'VPCIdNotSpecified', 'RulesPerSecurityGroupLimitExceeded', 'InvalidIPAddress.InUse', 'SecurityGroupsPerInterfaceLimitExceeded',
  // Route 53 Resolver (JSON protocol)
  'ResourceNotFoundException', 'InvalidParameterException', 'InvalidRequestException', 'ResourceExistsException',
  'ResourceInUseException', 'InvalidNextTokenException', 'ValidationException',
  'SerializationException', 'UnknownOperationException', 'InternalServiceErrorException',
  'UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function httpStatusOf(code: string): number {
  return STATUS[code] ?? 400;
}

/** An error that goes back to the client as an AWS error envelope. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** `status` overrides the code's usual HTTP status where AWS answers the same code with another one. */
  constructor(code: ErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status ?? httpStatusOf(code);
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
  AuthFailure: 'EC2: the access key is not known (dev mode: use `test` or a 12-digit key; strict: a key from `underpass accounts create`); with HTTP 400, as AWS: ModifyNetworkInterfaceAttribute on a requester-managed ENI',
  MissingAuthenticationToken: 'the request is not signed',
  SignatureDoesNotMatch: 'the recomputed SigV4 signature differs, the body hash header is wrong, the scope names another region or service, or (ELBv2) the request is outside the 15-minute window',
  IncompleteSignature: 'the Authorization header or presigned query is malformed',
  InvalidClientTokenId: 'ELBv2: the access key is not known; or the scope names a service this port does not serve',
  RequestExpired: 'EC2: X-Amz-Date is more than 15 minutes away from the server clock, or a presigned URL expired',
  DryRunOperation: 'DryRun=true and the request would have succeeded (nothing was changed)',
  RequestEntityTooLarge: 'the request body exceeds 1 MiB',
  InternalError: 'a bug in Underpass; the transaction was rolled back',
  InvalidAction: 'the Action is not an operation of the EC2 or ELBv2 API at all',
  MissingAction: 'the request has no Action',
  NoSuchVersion: 'the Version is not the API version Underpass serves (2016-11-15 for EC2, 2015-12-01 for ELBv2)',
  MalformedQueryString: 'the form cannot be decoded',
  InvalidHttpRequest: 'the body is not application/x-www-form-urlencoded, or could not be read',
  MissingParameter: 'a required parameter is absent',
  UnknownParameter: 'a parameter is not part of the operation',
  InvalidParameter: 'a parameter is not acceptable in this combination or state (the message says why)',
  InvalidParameterValue: 'a parameter value is malformed, out of range or not one of the allowed values',
  InvalidParameterCombination: 'parameters that exclude each other were given together',
  InvalidNextToken: 'the NextToken does not belong to this listing',
  IdempotentParameterMismatch: 'the ClientToken was used before with other parameters',
  ValidationError: 'ELBv2: a parameter is missing, malformed or out of range',
  UnsupportedOperation: 'the operation exists in AWS but Underpass does not serve it (the message names it and says why)',
  DependencyViolation: 'the resource is still in use (ENIs in a subnet, subnets in a VPC, a group referenced, …)',
  OperationNotPermitted: 'the operation is not allowed on this resource (ELBv2: deletion protection is on)',
  InvalidID: 'the id has a prefix of no known resource type',
  VPCIdNotSpecified: 'CreateSecurityGroup without VpcId: Underpass has no default VPC',
  RulesPerSecurityGroupLimitExceeded: 'a security group may hold at most 60 inbound and 60 outbound rules',
  'InvalidVpcID.NotFound': "no VPC with this id in the caller's account (another account's VPC answers the same)",
  'InvalidVpcID.Malformed': 'the id is not vpc- followed by 8 or 17 hex characters',
  'InvalidVpc.Range': 'the VPC CIDR is not a /16 to /28 block of a usable range',
  'InvalidSubnetID.NotFound': "no subnet with this id in the caller's account",
  'InvalidSubnetID.Malformed': 'the id is not subnet- followed by 8 or 17 hex characters',
  'InvalidSubnet.Range': "the subnet CIDR is not inside its VPC's CIDR, or not /16 to /28",
  'InvalidSubnet.Conflict': 'the subnet CIDR overlaps another subnet of the VPC',
  'InvalidGroup.NotFound': "no security group with this id or name in the caller's account",
  'InvalidGroupId.Malformed': 'the id is not sg- followed by 8 or 17 hex characters',
  'InvalidGroup.Duplicate': 'a security group of this name already exists in the VPC',
  'InvalidGroup.Reserved': "the name default is reserved for the VPC's default group",
  'CannotDelete': "the VPC's default security group cannot be deleted",
  'InvalidPermission.Duplicate': 'the security group rule already exists',
  'InvalidPermission.NotFound': 'the rule to revoke does not exist in the group',
  'InvalidRouteTableID.NotFound': "no route table with this id in the caller's account",
  'InvalidRouteTableId.Malformed': 'the id is not rtb- followed by 8 or 17 hex characters',
  'InvalidAssociationID.NotFound': 'no route table association with this id',
  'Resource.AlreadyAssociated': 'the subnet already has an explicit route table association',
  'InvalidPrefixListId.NotFound': 'no prefix list with this id',
  'InvalidNetworkInterfaceID.NotFound': "no network interface with this id in the caller's account",
  'InvalidNetworkInterfaceId.Malformed': 'the id is not eni- followed by 8 or 17 hex characters',
  SecurityGroupsPerInterfaceLimitExceeded: 'a network interface would have more than 5 security groups (the default quota)',
  'InvalidIPAddress.InUse': 'the private IPv4 address asked for is already taken by another network interface of the subnet',
  'InvalidSecurityGroupRuleId.NotFound': 'no security group rule with this id',
  'TagLimitExceeded': 'a resource would carry more than 50 tags',
  'InvalidVpcEndpointId.NotFound': "no endpoint with this id in the caller's account (or, for accept/reject, connected to this service)",
  'InvalidVpcEndpointId.Malformed': 'the id is not vpce- followed by 8 or 17 hex characters',
  'InvalidVpcEndpointServiceId.NotFound': 'no endpoint service with this id owned by the caller',
  'InvalidVpcEndpointService.NotFound': 'DeleteVpcEndpointServiceConfigurations item: no such service',
  'InvalidVpcEndpointServiceId.Malformed': 'the id is not vpce-svc- followed by 8 or 17 hex characters',
  'ExistingVpcEndpointConnections': 'the service still has pendingAcceptance, pending or available connections: reject them first',
  'InvalidServiceName': 'no endpoint service of this name that the caller may use (not allowed answers the same as not existing)',
  'InvalidPolicyDocument': 'the endpoint policy is not JSON, has no Statement, or exceeds 20,480 characters',
  'VpcEndpointLimitExceeded': 'more than 50 interface and GWLB endpoints in a VPC, or 20 gateway endpoints in a region',
  'RouteAlreadyExists': "the route table already routes this service's prefix list to another endpoint",
  'InvalidState': 'accept/reject item: the connection is not in a state that allows it',
  'IncorrectState': 'the resource is in a state that does not allow the change (e.g. a deleting service or endpoint)',
  'InvalidNetworkLoadBalancerArn.Malformed': 'the NLB ARN is not an elasticloadbalancing loadbalancer/net ARN',
  'InvalidNetworkLoadBalancerArn.NotFound': 'no network load balancer with this ARN owned by the caller',
  'InvalidGatewayLoadBalancerArn.NotFound': 'no gateway load balancer with this ARN owned by the caller',
  'InvalidPrincipal': 'an allowed principal is not *, an account root ARN, or an IAM user/role ARN without a path',
  'DuplicateSubnetsInSameZone': 'an endpoint was given two subnets in one availability zone',
  'LoadBalancerNotFound': "no load balancer with this ARN or name in the caller's account",
  'TargetGroupNotFound': "no target group with this ARN or name in the caller's account",
  'ListenerNotFound': "no listener with this ARN in the caller's account",
  'DuplicateLoadBalancerName': 'a load balancer of this name exists with other settings',
  'DuplicateTargetGroupName': 'a target group of this name exists with other settings',
  'DuplicateListener': 'the load balancer already has a listener on this port',
  'DuplicateTagKeys': 'the same tag key twice in one request',
  'TooManyTags': 'a resource would carry more than 50 tags',
  'TooManyTargets': 'a target group would hold more than 1,000 targets',
  'SubnetNotFound': "a subnet of the load balancer does not exist in the caller's account",
  'InvalidSubnet': 'the subnets are in different VPCs or two share an availability zone',
  'InvalidSecurityGroup': "a security group does not exist in the load balancer's VPC, or the type takes none",
  'InvalidTarget': 'the target is not a private address of the VPC or RFC 1918/6598 space, or is an instance',
  'InvalidConfigurationRequest': 'the settings do not fit together (attribute values, VPC mismatch, …)',
  'IncompatibleProtocols': 'the listener protocol and the target group protocol do not match',
  'UnsupportedProtocol': 'the protocol is not served (TLS without certificates, HTTP/HTTPS of ALBs)',
  'ResourceInUse': 'the load balancer is used by an endpoint service, or the target group by a listener',
  'InvalidLoadBalancerAction': 'a listener action is not a single forward to one target group',
  'TargetGroupAssociationLimit': 'the target group already serves another load balancer',
  ResourceNotFoundException: "Route 53 Resolver: no endpoint, rule, association, subnet or security group with this id in the caller's account (another account's answers the same)",
  InvalidParameterException: 'Route 53 Resolver: a parameter value is malformed or does not fit (an address outside its subnet, subnets of two VPCs, a group of another VPC, a domain name, a filter name, …), or names an option Underpass does not serve (IPv6, DoH, Outposts, INBOUND_DELEGATION)',
  InvalidRequestException: 'Route 53 Resolver: the request does not fit the resources (a FORWARD rule without targets or through an INBOUND or deleting endpoint; RECURSIVE or DELEGATE rules; an address already in use or a full subnet; deleting an outbound endpoint that rules still use)',
  ResourceExistsException: 'Route 53 Resolver: the CreatorRequestId was used before with other parameters, the rule is already associated with the VPC, or the VPC already has a rule for that domain name',
  ResourceInUseException: 'Route 53 Resolver: DeleteResolverRule while the rule is associated with a VPC',
  InvalidNextTokenException: 'Route 53 Resolver: the NextToken does not belong to this listing',
  ValidationException: 'Route 53 Resolver: a member is missing, of the wrong length or range, or not one of the allowed values',
  SerializationException: 'Route 53 Resolver: the body is not a JSON object, or a member has the wrong JSON type',
  UnknownOperationException: 'Route 53 Resolver: X-Amz-Target names no operation of the API',
  InternalServiceErrorException: 'Route 53 Resolver: a bug in Underpass; the transaction was rolled back',
  UnrecognizedClientException: 'Route 53 Resolver: the access key is not known, or the request is signed for another service',
  InvalidSignatureException: 'Route 53 Resolver: the SigV4 signature does not recompute, or the scope, clock or body hash is wrong',
  IncompleteSignatureException: 'Route 53 Resolver: the Authorization header is malformed',
  MissingAuthenticationTokenException: 'Route 53 Resolver: the request is not signed',
};
