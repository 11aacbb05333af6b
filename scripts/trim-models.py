#!/usr/bin/env python3
"""Writes src/wire/models/{ec2,elbv2,route53resolver}.json: the botocore service models (Apache-2.0)
trimmed to the operations Underpass serves and the shapes they reach. Dev-only; needs botocore installed."""
import gzip, json, os, sys, botocore

OPS = {
  'ec2': '''DescribeRegions DescribeAvailabilityZones CreateVpc DescribeVpcs DeleteVpc ModifyVpcAttribute
    DescribeVpcAttribute CreateSubnet DescribeSubnets DeleteSubnet CreateSecurityGroup DescribeSecurityGroups
    DeleteSecurityGroup AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress RevokeSecurityGroupIngress
    RevokeSecurityGroupEgress DescribeSecurityGroupRules CreateRouteTable DescribeRouteTables DeleteRouteTable
    AssociateRouteTable DisassociateRouteTable DescribePrefixLists DescribeNetworkInterfaces CreateNetworkInterface
    DeleteNetworkInterface ModifyNetworkInterfaceAttribute CreateTags DeleteTags
    DescribeTags CreateVpcEndpointServiceConfiguration ModifyVpcEndpointServiceConfiguration
    DescribeVpcEndpointServiceConfigurations DeleteVpcEndpointServiceConfigurations DescribeVpcEndpointServices
    ModifyVpcEndpointServicePermissions DescribeVpcEndpointServicePermissions CreateVpcEndpoint ModifyVpcEndpoint
    DescribeVpcEndpoints DeleteVpcEndpoints AcceptVpcEndpointConnections RejectVpcEndpointConnections
    DescribeVpcEndpointConnections StartVpcEndpointServicePrivateDnsVerification
    CreateVpcEndpointConnectionNotification ModifyVpcEndpointConnectionNotification
    DescribeVpcEndpointConnectionNotifications DeleteVpcEndpointConnectionNotifications
    ModifyVpcEndpointServicePayerResponsibility'''.split(),
  'elbv2': '''CreateLoadBalancer DescribeLoadBalancers DeleteLoadBalancer DescribeLoadBalancerAttributes
    ModifyLoadBalancerAttributes CreateTargetGroup DescribeTargetGroups ModifyTargetGroup DeleteTargetGroup
    DescribeTargetGroupAttributes ModifyTargetGroupAttributes RegisterTargets DeregisterTargets DescribeTargetHealth
    CreateListener DescribeListeners ModifyListener DeleteListener DescribeListenerAttributes
    ModifyListenerAttributes AddTags RemoveTags DescribeTags'''.split(),
  'route53resolver': '''CreateResolverEndpoint GetResolverEndpoint ListResolverEndpoints DeleteResolverEndpoint
    ListResolverEndpointIpAddresses CreateResolverRule GetResolverRule ListResolverRules DeleteResolverRule
    AssociateResolverRule DisassociateResolverRule GetResolverRuleAssociation ListResolverRuleAssociations'''.split(),
}
DIRS = {'ec2': 'ec2/2016-11-15', 'elbv2': 'elbv2/2015-12-01', 'route53resolver': 'route53resolver/2018-04-01'}
KEEP_SHAPE = {'type', 'members', 'member', 'key', 'value', 'required', 'enum', 'min', 'max',
              'flattened', 'locationName', 'queryName', 'timestampFormat', 'error', 'exception'}
KEEP_MEMBER = {'shape', 'locationName', 'queryName', 'flattened', 'xmlNamespace'}

root = os.path.join(os.path.dirname(botocore.__file__), 'data')
out_dir = os.path.join(os.path.dirname(__file__), '..', 'src', 'wire', 'models')
for name, ops in OPS.items():
    model = json.load(gzip.open(os.path.join(root, DIRS[name], 'service-2.json.gz')))
    shapes, todo, out_ops = {}, [], {}
    for op in ops:
        o = model['operations'][op]
        out_ops[op] = {k: o[k] for k in ('input', 'output') if k in o}
        todo += [o[k]['shape'] for k in ('input', 'output') if k in o]
        if model['metadata']['protocol'] == 'json':
            # The JSON protocol's errors are modelled shapes: keep the ones each operation names.
            out_ops[op]['errors'] = [e['shape'] for e in o.get('errors', [])]
            todo += out_ops[op]['errors']
    while todo:
        s = todo.pop()
        if s in shapes: continue
        sh = model['shapes'][s]
        t = {k: v for k, v in sh.items() if k in KEEP_SHAPE}
        if 'members' in sh:
            t['members'] = {m: {k: v for k, v in d.items() if k in KEEP_MEMBER} for m, d in sh['members'].items()}
            todo += [d['shape'] for d in sh['members'].values()]
        for k in ('member', 'key', 'value'):
            if k in sh:
                t[k] = {kk: vv for kk, vv in sh[k].items() if kk in KEEP_MEMBER}
                todo.append(sh[k]['shape'])
        shapes[s] = t
    meta = {k: model['metadata'][k] for k in ('apiVersion', 'protocol', 'xmlNamespace', 'jsonVersion', 'targetPrefix')
            if k in model['metadata']}
    for op in ops:
        o = model['operations'][op]
        if 'output' in o and 'resultWrapper' in o['output']:
            out_ops[op]['output']['resultWrapper'] = o['output']['resultWrapper']
    doc = {'source': f'botocore {botocore.__version__} {DIRS[name]}/service-2.json (Apache-2.0), trimmed',
           'metadata': meta, 'operations': out_ops,
           # Every operation name of the API, so that one Underpass does not serve is told apart from a typo.
           'allOperations': sorted(model['operations']),
           'shapes': dict(sorted(shapes.items()))}
    with open(os.path.join(out_dir, f'{name}.json'), 'w') as f:
        json.dump(doc, f, indent=0, separators=(',', ':'))
    print(name, len(out_ops), 'operations', len(shapes), 'shapes')
