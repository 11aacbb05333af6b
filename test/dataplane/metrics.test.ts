/**
 * DataPlaneMetrics: golden exposition text, AWS names and dimensions per family (table), and every
 * rendering read back by a strict exposition-format parser so malformed output fails.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ListenerCounters, ListenerLabels } from '../../src/dataplane/flow-record.js';
import {
  awsMetricName, DataPlaneMetrics, escapeLabelValue, loadBalancerDimension, targetGroupDimension,
} from '../../src/dataplane/metrics.js';

// ── a strict parser for the Prometheus text format 0.0.4 (the subset a registry may emit) ─────────

interface Sample { labels: Record<string, string>; value: number }
interface Family { name: string; help: string; type: string; samples: Sample[] }

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;

function parseExposition(text: string): Map<string, Family> {
  assert.ok(text.endsWith('\n'), 'output ends with a line feed');
  const families = new Map<string, Family>();
  const series = new Set<string>();
  let current: Family | undefined;
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const at = `line ${i + 1}: ${JSON.stringify(line)}`;
    let m: RegExpExecArray | null;
    if ((m = /^# HELP (\S+) (.*)$/.exec(line))) {
      assert.match(m[1]!, NAME, at);
      assert.ok(!families.has(m[1]!), `${at}: family declared twice`);
      assert.match(m[2]!, /^(?:[^\\]|\\\\|\\n)*$/, `${at}: bad escape in HELP`);
      current = { name: m[1]!, help: m[2]!.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')), type: '', samples: [] };
      families.set(current.name, current);
    } else if ((m = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
      assert.ok(current && current.name === m[1] && current.type === '' && current.samples.length === 0, `${at}: TYPE must follow its HELP, before samples`);
      current.type = m[2]!;
      if (current.type === 'counter') assert.match(current.name, /_total$/, `${at}: counters end in _total`);
    } else {
      assert.ok(!line.startsWith('#'), `${at}: unexpected comment`);
      const sample = parseSample(line, at);
      assert.ok(current && current.type, `${at}: sample before its family's TYPE`);
      assert.equal(sample.name, current.name, `${at}: sample of another family`);
      const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
      assert.ok(!series.has(key), `${at}: duplicate series`);
      series.add(key);
      current.samples.push({ labels: sample.labels, value: sample.value });
    }
  }
  for (const f of families.values()) assert.ok(f.type, `${f.name} has no TYPE`);
  return families;
}

function parseSample(line: string, at: string): { name: string; labels: Record<string, string>; value: number } {
  const nameEnd = line.search(/[{ ]/);
  assert.ok(nameEnd > 0, `${at}: no metric name`);
  const name = line.slice(0, nameEnd);
  assert.match(name, NAME, at);
  const labels: Record<string, string> = {};
  let p = nameEnd;
  if (line[p] === '{') {
    p++;
    while (line[p] !== '}') {
      const eq = line.indexOf('=', p);
      assert.ok(eq > p, `${at}: label without =`);
      const label = line.slice(p, eq);
      assert.match(label, LABEL_NAME, at);
      assert.ok(!(label in labels), `${at}: label ${label} twice`);
      assert.equal(line[eq + 1], '"', `${at}: label value not quoted`);
      let v = '';
      p = eq + 2;
      for (;;) {
        const c = line[p];
        assert.ok(c !== undefined, `${at}: unterminated label value`);
        if (c === '"') break;
        if (c === '\\') {
          const e = line[p + 1];
          assert.ok(e === '\\' || e === '"' || e === 'n', `${at}: bad escape \\${e}`);
          v += e === 'n' ? '\n' : e;
          p += 2;
        } else {
          v += c;
          p++;
        }
      }
      labels[label] = v;
      p++;
      if (line[p] === ',') p++;
      else assert.equal(line[p], '}', `${at}: expected , or }`);
    }
    p++;
  }
  assert.equal(line[p], ' ', `${at}: expected one space before the value`);
  const value = line.slice(p + 1);
  assert.match(value, VALUE, `${at}: bad value`);
  return { name, labels, value: Number(value.replace(/Inf$/, 'Infinity')) };
}

function valueOf(f: Map<string, Family>, name: string, labels: Record<string, string>): number | undefined {
  return f.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

// ── fixtures ───────────────────────────────────────────────────────────────────────────────────

const LB = 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/web/0123456789abcdef';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/web-tg/fedcba9876543210';

function listener(over: Partial<ListenerLabels> = {}): ListenerLabels {
  const eniId = over.eniId ?? 'eni-0a';
  const port = over.port ?? 443;
  return {
    listenerId: `${eniId}:${port}`, endpointId: 'vpce-0aaa', endpointAccount: '444455556666', vpcId: 'vpc-0c1',
    subnetId: 'subnet-0a', eniId, eniIp: '10.1.0.10', zoneId: 'use1-az1', port, serviceId: 'vpce-svc-0s1',
    serviceAccount: '111122223333', loadBalancerArn: LB, targetGroupArn: TG, nodeZoneId: 'use1-az1', nodeIp: '10.9.0.5',
    ...over,
  };
}

function counters(listenerId: string, over: Partial<ListenerCounters> = {}): ListenerCounters {
  return {
    listenerId, newFlows: 0, refused: {}, endedFlows: 0, activeFlows: 0, bytesIn: 0, bytesOut: 0,
    clientResets: 0, targetResets: 0, elbResets: 0, ...over,
  };
}

const EP_LABELS = 'endpoint_type="Interface",service_name="com.amazonaws.vpce.us-east-1.vpce-svc-0s1",subnet_id="subnet-0a",vpc_endpoint_id="vpce-0aaa",vpc_id="vpc-0c1"';
const SVC_LABELS = `az="us-east-1a",load_balancer_arn="${LB}",service_id="vpce-svc-0s1",vpc_endpoint_id="vpce-0aaa"`;
const NLB_LABELS = 'availability_zone="us-east-1a",load_balancer="net/web/0123456789abcdef"';
const TG_LABELS = `${NLB_LABELS},target_group="targetgroup/web-tg/fedcba9876543210"`;

const GOLDEN = `# HELP aws_privatelinkendpoints_ActiveConnections AWS/PrivateLinkEndpoints ActiveConnections: connections open through the endpoint (as last reported by the NLB-node workers).
# TYPE aws_privatelinkendpoints_ActiveConnections gauge
aws_privatelinkendpoints_ActiveConnections{${EP_LABELS}} 2
# HELP aws_privatelinkendpoints_BytesProcessed_total AWS/PrivateLinkEndpoints BytesProcessed: bytes exchanged between the endpoint and the endpoint service, both directions (payload; no TCP/IP or PROXY header bytes).
# TYPE aws_privatelinkendpoints_BytesProcessed_total counter
aws_privatelinkendpoints_BytesProcessed_total{${EP_LABELS}} 500
# HELP aws_privatelinkendpoints_NewConnections_total AWS/PrivateLinkEndpoints NewConnections: connections established through the endpoint (admitted; a target connection was attempted).
# TYPE aws_privatelinkendpoints_NewConnections_total counter
aws_privatelinkendpoints_NewConnections_total{${EP_LABELS}} 3
# HELP aws_privatelinkendpoints_PacketsDropped_total AWS/PrivateLinkEndpoints PacketsDropped: Underpass has no packet view: this counts connections refused at the endpoint, whatever the reason, not packets; underpass_flows_refused_total breaks them down by stage.
# TYPE aws_privatelinkendpoints_PacketsDropped_total counter
aws_privatelinkendpoints_PacketsDropped_total{${EP_LABELS}} 3
# HELP aws_privatelinkendpoints_RstPacketsReceived_total AWS/PrivateLinkEndpoints RstPacketsReceived: connections the service side (target or load balancer) reset towards the endpoint; one per reset connection, not RST packets.
# TYPE aws_privatelinkendpoints_RstPacketsReceived_total counter
aws_privatelinkendpoints_RstPacketsReceived_total{${EP_LABELS}} 3
# HELP aws_privatelinkservices_ActiveConnections AWS/PrivateLinkServices ActiveConnections: connections open from endpoints to the service (as last reported by the NLB-node workers).
# TYPE aws_privatelinkservices_ActiveConnections gauge
aws_privatelinkservices_ActiveConnections{${SVC_LABELS}} 2
# HELP aws_privatelinkservices_BytesProcessed_total AWS/PrivateLinkServices BytesProcessed: bytes exchanged between the service and its endpoints, both directions (payload; no TCP/IP or PROXY header bytes).
# TYPE aws_privatelinkservices_BytesProcessed_total counter
aws_privatelinkservices_BytesProcessed_total{${SVC_LABELS}} 500
# HELP aws_privatelinkservices_EndpointsCount AWS/PrivateLinkServices EndpointsCount: endpoints of the service that have at least one listener in the data plane.
# TYPE aws_privatelinkservices_EndpointsCount gauge
aws_privatelinkservices_EndpointsCount{service_id="vpce-svc-0s1"} 1
# HELP aws_privatelinkservices_NewConnections_total AWS/PrivateLinkServices NewConnections: connections established from endpoints to the service.
# TYPE aws_privatelinkservices_NewConnections_total counter
aws_privatelinkservices_NewConnections_total{${SVC_LABELS}} 3
# HELP aws_privatelinkservices_RstPacketsSent_total AWS/PrivateLinkServices RstPacketsSent: connections the service side (target or load balancer) reset towards endpoints; one per reset connection, not RST packets.
# TYPE aws_privatelinkservices_RstPacketsSent_total counter
aws_privatelinkservices_RstPacketsSent_total{${SVC_LABELS}} 3
# HELP aws_networkelb_ActiveFlowCount AWS/NetworkELB ActiveFlowCount: flows (TCP connections) open from clients to targets (as last reported by the NLB-node workers).
# TYPE aws_networkelb_ActiveFlowCount gauge
aws_networkelb_ActiveFlowCount{${NLB_LABELS}} 2
# HELP aws_networkelb_NewFlowCount_total AWS/NetworkELB NewFlowCount: flows (TCP connections) established from clients to targets.
# TYPE aws_networkelb_NewFlowCount_total counter
aws_networkelb_NewFlowCount_total{${NLB_LABELS}} 3
# HELP aws_networkelb_ProcessedBytes_total AWS/NetworkELB ProcessedBytes: bytes processed, both directions (payload only; AWS also counts TCP/IP headers).
# TYPE aws_networkelb_ProcessedBytes_total counter
aws_networkelb_ProcessedBytes_total{${NLB_LABELS}} 500
# HELP aws_networkelb_TCP_Client_Reset_Count_total AWS/NetworkELB TCP_Client_Reset_Count: connections the client reset; one per reset connection, not RST packets.
# TYPE aws_networkelb_TCP_Client_Reset_Count_total counter
aws_networkelb_TCP_Client_Reset_Count_total{${NLB_LABELS}} 4
# HELP aws_networkelb_TCP_ELB_Reset_Count_total AWS/NetworkELB TCP_ELB_Reset_Count: connections the load balancer itself reset (idle timeout, refusal, deletion); one per reset connection, not RST packets.
# TYPE aws_networkelb_TCP_ELB_Reset_Count_total counter
aws_networkelb_TCP_ELB_Reset_Count_total{${NLB_LABELS}} 1
# HELP aws_networkelb_TCP_Target_Reset_Count_total AWS/NetworkELB TCP_Target_Reset_Count: connections the target reset; one per reset connection, not RST packets.
# TYPE aws_networkelb_TCP_Target_Reset_Count_total counter
aws_networkelb_TCP_Target_Reset_Count_total{${NLB_LABELS}} 2
# HELP aws_networkelb_HealthyHostCount AWS/NetworkELB HealthyHostCount: targets healthy, per target group and zone (the last health report).
# TYPE aws_networkelb_HealthyHostCount gauge
aws_networkelb_HealthyHostCount{${TG_LABELS}} 2
# HELP aws_networkelb_UnHealthyHostCount AWS/NetworkELB UnHealthyHostCount: targets unhealthy, per target group and zone (the last health report).
# TYPE aws_networkelb_UnHealthyHostCount gauge
aws_networkelb_UnHealthyHostCount{${TG_LABELS}} 1
# HELP underpass_flows_refused_total Connections refused at an endpoint, by the check that refused them (the flow log's reject-reason).
# TYPE underpass_flows_refused_total counter
underpass_flows_refused_total{stage="endpoint-state",vpc_endpoint_id="vpce-0aaa"} 0
underpass_flows_refused_total{stage="internal",vpc_endpoint_id="vpce-0aaa"} 0
underpass_flows_refused_total{stage="no-listener",vpc_endpoint_id="vpce-0aaa"} 0
underpass_flows_refused_total{stage="no-target",vpc_endpoint_id="vpce-0aaa"} 1
underpass_flows_refused_total{stage="security-group",vpc_endpoint_id="vpce-0aaa"} 2
underpass_flows_refused_total{stage="target-refused",vpc_endpoint_id="vpce-0aaa"} 0
underpass_flows_refused_total{stage="unbound",vpc_endpoint_id="vpce-0aaa"} 0
`;

function goldenRegistry(): DataPlaneMetrics {
  const m = new DataPlaneMetrics();
  m.setListeners([listener()]);
  m.addCounters(counters('eni-0a:443', {
    newFlows: 1, refused: { 'security-group': 2 }, activeFlows: 5, bytesIn: 100, bytesOut: 300, clientResets: 4, targetResets: 2,
  }));
  m.addCounters(counters('eni-0a:443', { newFlows: 2, refused: { 'no-target': 1 }, endedFlows: 1, activeFlows: 2, bytesOut: 100, elbResets: 1 }));
  m.setTargetHealth([{ targetGroupArn: TG, loadBalancerArn: LB, zoneId: 'use1-az1', healthy: 2, unhealthy: 1 }]);
  return m;
}

// ── tests ──────────────────────────────────────────────────────────────────────────────────────

describe('the strict parser (the check on every rendering) rejects malformed output', () => {
  const ok = '# HELP a_total h\n# TYPE a_total counter\na_total{x="1"} 2\n';
  it('accepts a well-formed family', () => assert.equal(parseExposition(ok).get('a_total')!.samples[0]!.value, 2));
  const bad: [string, string][] = [
    ['no final line feed', ok.slice(0, -1)],
    ['sample before TYPE', '# HELP a_total h\na_total 1\n'],
    ['TYPE without HELP', '# TYPE a_total counter\na_total 1\n'],
    ['counter without _total', '# HELP a h\n# TYPE a counter\na 1\n'],
    ['sample of another family', '# HELP a_total h\n# TYPE a_total counter\nb_total 1\n'],
    ['family twice', `${ok}${ok}`],
    ['duplicate series', `${ok}a_total{x="1"} 3\n`],
    ['unquoted label value', '# HELP a_total h\n# TYPE a_total counter\na_total{x=1} 2\n'],
    ['bad escape', '# HELP a_total h\n# TYPE a_total counter\na_total{x="\\t"} 2\n'],
    ['raw double quote', '# HELP a_total h\n# TYPE a_total counter\na_total{x="a"b"} 2\n'],
    ['bad label name', '# HELP a_total h\n# TYPE a_total counter\na_total{1x="a"} 2\n'],
    ['two spaces', '# HELP a_total h\n# TYPE a_total counter\na_total  2\n'],
    ['bad value', '# HELP a_total h\n# TYPE a_total counter\na_total 2x\n'],
    ['blank line', `${ok}\n`],
    ['bad metric name', '# HELP 1a_total h\n# TYPE 1a_total counter\n1a_total 1\n'],
  ];
  for (const [name, text] of bad) it(name, () => assert.throws(() => parseExposition(text), assert.AssertionError));
});

describe('DataPlaneMetrics.render', () => {
  it('renders the golden exposition, which the strict parser accepts', () => {
    const text = goldenRegistry().render();
    assert.equal(text, GOLDEN);
    assert.equal(parseExposition(text).size, 19);
  });

  it('renders HELP and TYPE of every family even with nothing to report', () => {
    const f = parseExposition(new DataPlaneMetrics().render());
    assert.equal(f.size, 19);
    for (const fam of f.values()) assert.deepEqual(fam.samples, []);
  });

  // AWS's metric names per namespace, and the dimensions each series carries (as snake_case labels).
  const EP_DIMS = ['endpoint_type', 'service_name', 'subnet_id', 'vpc_endpoint_id', 'vpc_id'];
  const SVC_DIMS = ['az', 'load_balancer_arn', 'service_id', 'vpc_endpoint_id'];
  const NLB_DIMS = ['availability_zone', 'load_balancer'];
  const TG_DIMS = ['availability_zone', 'load_balancer', 'target_group'];
  const table: { namespace: string; metric: string; type: 'counter' | 'gauge'; dims: string[] }[] = [
    { namespace: 'AWS/PrivateLinkEndpoints', metric: 'ActiveConnections', type: 'gauge', dims: EP_DIMS },
    { namespace: 'AWS/PrivateLinkEndpoints', metric: 'BytesProcessed', type: 'counter', dims: EP_DIMS },
    { namespace: 'AWS/PrivateLinkEndpoints', metric: 'NewConnections', type: 'counter', dims: EP_DIMS },
    { namespace: 'AWS/PrivateLinkEndpoints', metric: 'PacketsDropped', type: 'counter', dims: EP_DIMS },
    { namespace: 'AWS/PrivateLinkEndpoints', metric: 'RstPacketsReceived', type: 'counter', dims: EP_DIMS },
    { namespace: 'AWS/PrivateLinkServices', metric: 'ActiveConnections', type: 'gauge', dims: SVC_DIMS },
    { namespace: 'AWS/PrivateLinkServices', metric: 'BytesProcessed', type: 'counter', dims: SVC_DIMS },
    { namespace: 'AWS/PrivateLinkServices', metric: 'EndpointsCount', type: 'gauge', dims: ['service_id'] },
    { namespace: 'AWS/PrivateLinkServices', metric: 'NewConnections', type: 'counter', dims: SVC_DIMS },
    { namespace: 'AWS/PrivateLinkServices', metric: 'RstPacketsSent', type: 'counter', dims: SVC_DIMS },
    { namespace: 'AWS/NetworkELB', metric: 'ActiveFlowCount', type: 'gauge', dims: NLB_DIMS },
    { namespace: 'AWS/NetworkELB', metric: 'NewFlowCount', type: 'counter', dims: NLB_DIMS },
    { namespace: 'AWS/NetworkELB', metric: 'ProcessedBytes', type: 'counter', dims: NLB_DIMS },
    { namespace: 'AWS/NetworkELB', metric: 'TCP_Client_Reset_Count', type: 'counter', dims: NLB_DIMS },
    { namespace: 'AWS/NetworkELB', metric: 'TCP_ELB_Reset_Count', type: 'counter', dims: NLB_DIMS },
    { namespace: 'AWS/NetworkELB', metric: 'TCP_Target_Reset_Count', type: 'counter', dims: NLB_DIMS },
    { namespace: 'AWS/NetworkELB', metric: 'HealthyHostCount', type: 'gauge', dims: TG_DIMS },
    { namespace: 'AWS/NetworkELB', metric: 'UnHealthyHostCount', type: 'gauge', dims: TG_DIMS },
  ];
  for (const row of table) {
    it(`${row.namespace} ${row.metric}: ${row.type} with dimensions ${row.dims.join(', ')}`, () => {
      const f = parseExposition(goldenRegistry().render());
      const fam = f.get(awsMetricName(row.namespace, row.metric, row.type));
      assert.ok(fam, 'family rendered');
      assert.equal(fam.type, row.type);
      assert.ok(fam.help.startsWith(`${row.namespace} ${row.metric}: `), 'HELP names the CloudWatch metric');
      assert.ok(fam.samples.length > 0);
      for (const s of fam.samples) assert.deepEqual(Object.keys(s.labels).sort(), row.dims);
    });
  }

  it('names families aws_<namespace>_<Metric>[_total]', () => {
    assert.equal(awsMetricName('AWS/PrivateLinkEndpoints', 'BytesProcessed', 'counter'), 'aws_privatelinkendpoints_BytesProcessed_total');
    assert.equal(awsMetricName('AWS/NetworkELB', 'HealthyHostCount', 'gauge'), 'aws_networkelb_HealthyHostCount');
  });

  it('says in HELP that PacketsDropped counts refused connections, not packets', () => {
    const help = parseExposition(new DataPlaneMetrics().render()).get('aws_privatelinkendpoints_PacketsDropped_total')!.help;
    assert.match(help, /connections refused/);
    assert.match(help, /not packets/);
  });

  const escapes: { name: string; vpcId: string; rendered: string }[] = [
    { name: 'backslash', vpcId: 'vpc-a\\b', rendered: 'vpc_id="vpc-a\\\\b"' },
    { name: 'double quote', vpcId: 'vpc-"q"', rendered: 'vpc_id="vpc-\\"q\\""' },
    { name: 'line feed', vpcId: 'vpc-a\nb', rendered: 'vpc_id="vpc-a\\nb"' },
    { name: 'all three', vpcId: '\\"\n', rendered: 'vpc_id="\\\\\\"\\n"' },
    { name: 'unicode and braces', vpcId: 'vpc-é{}=,', rendered: 'vpc_id="vpc-é{}=,"' },
  ];
  for (const e of escapes) {
    it(`escapes label values: ${e.name}`, () => {
      const m = new DataPlaneMetrics();
      m.setListeners([listener({ vpcId: e.vpcId })]);
      const text = m.render();
      assert.ok(text.includes(e.rendered), `expected ${e.rendered}`);
      const f = parseExposition(text);
      assert.equal(f.get('aws_privatelinkendpoints_BytesProcessed_total')!.samples[0]!.labels.vpc_id, e.vpcId);
    });
  }

  it('escapeLabelValue escapes exactly backslash, double quote and line feed', () => {
    assert.equal(escapeLabelValue('a\\b"c\nd\te'), 'a\\\\b\\"c\\nd\te');
  });

  it('is deterministic: the order of listeners and of calls does not change the output', () => {
    const a = new DataPlaneMetrics();
    const b = new DataPlaneMetrics();
    const ls = [
      listener(), listener({ eniId: 'eni-0b', subnetId: 'subnet-0b', zoneId: 'use1-az2', nodeZoneId: 'use1-az2' }),
      listener({ endpointId: 'vpce-0bbb', eniId: 'eni-0c', vpcId: 'vpc-0c2' }),
    ];
    a.setListeners(ls);
    b.setListeners([...ls].reverse());
    for (const m of [a, b]) for (const l of ls) m.addCounters(counters(l.listenerId, { newFlows: l.port, bytesIn: 7 }));
    assert.equal(a.render(), b.render());
    assert.equal(a.render(), a.render());
    parseExposition(a.render());
  });
});

describe('DataPlaneMetrics inputs', () => {
  it('ignores counters of unknown listeners', () => {
    const m = new DataPlaneMetrics();
    m.setListeners([listener()]);
    const before = m.render();
    m.addCounters(counters('eni-0zz:80', { newFlows: 5, bytesIn: 9, activeFlows: 3 }));
    assert.equal(m.render(), before);
  });

  it('ignores negative, NaN and infinite increments; counters never go down', () => {
    const m = new DataPlaneMetrics();
    m.setListeners([listener()]);
    m.addCounters(counters('eni-0a:443', { newFlows: 2, bytesIn: 10 }));
    m.addCounters(counters('eni-0a:443', { newFlows: -5, bytesIn: Number.NaN, bytesOut: Number.POSITIVE_INFINITY, refused: { unbound: -1 } }));
    const f = parseExposition(m.render());
    assert.equal(valueOf(f, 'aws_privatelinkendpoints_NewConnections_total', {}), 2);
    assert.equal(valueOf(f, 'aws_privatelinkendpoints_BytesProcessed_total', {}), 10);
    assert.equal(valueOf(f, 'underpass_flows_refused_total', { stage: 'unbound' }), 0);
  });

  it('takes activeFlows as a gauge (replaced) and sums it over listeners of one series', () => {
    const m = new DataPlaneMetrics();
    m.setListeners([listener(), listener({ port: 80 })]); // one ENI, two ports: one endpoint series
    m.addCounters(counters('eni-0a:443', { activeFlows: 4 }));
    m.addCounters(counters('eni-0a:443', { activeFlows: 1 }));
    m.addCounters(counters('eni-0a:80', { activeFlows: 2 }));
    const f = parseExposition(m.render());
    assert.equal(f.get('aws_privatelinkendpoints_ActiveConnections')!.samples.length, 1);
    assert.equal(valueOf(f, 'aws_privatelinkendpoints_ActiveConnections', {}), 3);
    assert.equal(valueOf(f, 'aws_privatelinkservices_ActiveConnections', {}), 3);
    assert.equal(valueOf(f, 'aws_networkelb_ActiveFlowCount', {}), 3);
  });

  it('drops the series of removed listeners and keeps the counts of those that remain', () => {
    const m = new DataPlaneMetrics();
    const a = listener();
    const b = listener({ endpointId: 'vpce-0bbb', eniId: 'eni-0b', subnetId: 'subnet-0b', zoneId: 'use1-az2', nodeZoneId: 'use1-az2' });
    m.setListeners([a, b]);
    m.addCounters(counters(a.listenerId, { newFlows: 3, activeFlows: 1 }));
    m.addCounters(counters(b.listenerId, { newFlows: 5, refused: { 'security-group': 1 }, activeFlows: 2 }));
    m.setListeners([a]);
    let f = parseExposition(m.render());
    assert.deepEqual(f.get('aws_privatelinkendpoints_NewConnections_total')!.samples.map((s) => [s.labels.vpc_endpoint_id, s.value]), [['vpce-0aaa', 3]]);
    assert.equal(valueOf(f, 'aws_privatelinkendpoints_ActiveConnections', {}), 1, 'the remaining listener keeps its active count');
    assert.deepEqual(f.get('aws_networkelb_NewFlowCount_total')!.samples.map((s) => s.labels.availability_zone), ['us-east-1a']);
    assert.ok(f.get('underpass_flows_refused_total')!.samples.every((s) => s.labels.vpc_endpoint_id === 'vpce-0aaa'));
    assert.equal(valueOf(f, 'aws_privatelinkservices_EndpointsCount', {}), 1);
    // Back again: a new series, from zero.
    m.setListeners([a, b]);
    f = parseExposition(m.render());
    assert.equal(valueOf(f, 'aws_privatelinkendpoints_NewConnections_total', { vpc_endpoint_id: 'vpce-0bbb' }), 0);
    assert.equal(valueOf(f, 'aws_privatelinkendpoints_NewConnections_total', { vpc_endpoint_id: 'vpce-0aaa' }), 3);
    assert.equal(valueOf(f, 'aws_privatelinkservices_EndpointsCount', {}), 2);
  });

  it('keeps a shared series while any listener still feeds it', () => {
    const m = new DataPlaneMetrics();
    const a = listener();
    const a80 = listener({ port: 80 });
    m.setListeners([a, a80]);
    m.addCounters(counters(a80.listenerId, { bytesIn: 40 }));
    m.setListeners([a]);
    const f = parseExposition(m.render());
    assert.equal(valueOf(f, 'aws_privatelinkendpoints_BytesProcessed_total', {}), 40);
    assert.equal(valueOf(f, 'aws_networkelb_ProcessedBytes_total', {}), 40);
  });

  it('replaces target health, sums rows of one key, and names zones (ids it cannot map stay ids)', () => {
    const m = new DataPlaneMetrics();
    const TG2 = TG.replace('web-tg', 'api-tg');
    m.setTargetHealth([{ targetGroupArn: TG2, loadBalancerArn: LB, zoneId: 'use1-az1', healthy: 9, unhealthy: 9 }]);
    m.setTargetHealth([
      { targetGroupArn: TG, loadBalancerArn: LB, zoneId: 'use1-az2', healthy: 1, unhealthy: 0 },
      { targetGroupArn: TG, loadBalancerArn: LB, zoneId: 'use1-az2', healthy: 2, unhealthy: 1 },
      { targetGroupArn: TG, loadBalancerArn: LB, zoneId: 'mars-az9', healthy: 1, unhealthy: -3 },
    ]);
    const f = parseExposition(m.render());
    assert.deepEqual(f.get('aws_networkelb_HealthyHostCount')!.samples, [
      { labels: { availability_zone: 'mars-az9', load_balancer: 'net/web/0123456789abcdef', target_group: 'targetgroup/web-tg/fedcba9876543210' }, value: 1 },
      { labels: { availability_zone: 'us-east-1b', load_balancer: 'net/web/0123456789abcdef', target_group: 'targetgroup/web-tg/fedcba9876543210' }, value: 3 },
    ]);
    assert.deepEqual(f.get('aws_networkelb_UnHealthyHostCount')!.samples.map((s) => s.value), [0, 1]);
  });
});

describe('dimension values from ARNs', () => {
  const rows: { fn: (arn: string) => string; arn: string; want: string }[] = [
    { fn: loadBalancerDimension, arn: LB, want: 'net/web/0123456789abcdef' },
    { fn: loadBalancerDimension, arn: 'not-an-arn', want: 'not-an-arn' },
    { fn: targetGroupDimension, arn: TG, want: 'targetgroup/web-tg/fedcba9876543210' },
    { fn: targetGroupDimension, arn: 'tg', want: 'tg' },
  ];
  for (const r of rows) it(`${r.fn.name}(${r.arn}) = ${r.want}`, () => assert.equal(r.fn(r.arn), r.want));
});

describe('DataPlaneMetrics.snapshot', () => {
  it('gives plain JSON per endpoint, per service and per load balancer and target group', () => {
    const m = goldenRegistry();
    m.setListeners([listener(), listener({ eniId: 'eni-0b', subnetId: 'subnet-0b', zoneId: 'use1-az2', nodeZoneId: 'use1-az2' })]);
    m.addCounters(counters('eni-0b:443', { newFlows: 1, activeFlows: 1, bytesIn: 5 }));
    const snap = m.snapshot();
    assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap, 'plain JSON');
    assert.deepEqual(snap, {
      endpoints: [{
        vpcEndpointId: 'vpce-0aaa', vpcId: 'vpc-0c1', serviceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0s1', subnetIds: ['subnet-0a', 'subnet-0b'],
        activeConnections: 3, newConnections: 4, bytesProcessed: 505, packetsDropped: 3, rstPacketsReceived: 3,
        refused: { 'security-group': 2, 'no-target': 1 },
      }],
      services: [{ serviceId: 'vpce-svc-0s1', endpointsCount: 1, activeConnections: 3, newConnections: 4, bytesProcessed: 505, rstPacketsSent: 3 }],
      loadBalancers: [{
        loadBalancerArn: LB, loadBalancer: 'net/web/0123456789abcdef', activeFlowCount: 3, newFlowCount: 4, processedBytes: 505,
        tcpClientResetCount: 4, tcpElbResetCount: 1, tcpTargetResetCount: 2,
        targetGroups: [{ targetGroupArn: TG, targetGroup: 'targetgroup/web-tg/fedcba9876543210', healthyHostCount: 2, unHealthyHostCount: 1 }],
      }],
    });
  });

  it('is empty with nothing known', () => {
    assert.deepEqual(new DataPlaneMetrics().snapshot(), { endpoints: [], services: [], loadBalancers: [] });
  });
});
