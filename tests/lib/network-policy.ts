import type { K8sObject } from '../../scripts/lib/render.js';

/**
 * A small evaluator of NetworkPolicy semantics (podSelector, namespaceSelector, ipBlock, ports, policyTypes), so the
 * rendered policies can be checked flow by flow without a cluster whose network plugin enforces them.
 */
export interface Endpoint {
  namespace?: string;
  namespaceLabels?: Record<string, string>;
  /** A pod's labels; absent for an address outside the cluster. */
  labels?: Record<string, string>;
  ip?: string;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { port?: number | string; protocol?: string; endPort?: number }[];
}

interface PolicySpec {
  podSelector: LabelSelector;
  policyTypes?: ('Ingress' | 'Egress')[];
  ingress?: Rule[];
  egress?: Rule[];
}

export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    const value = labels[e.key];
    if (e.operator === 'In' && !(has && e.values?.includes(value!))) return false;
    if (e.operator === 'NotIn' && has && e.values?.includes(value!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const mask = Number(bits) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(bits));
  return (ipToInt(ip) & mask) >>> 0 === (ipToInt(base!) & mask) >>> 0;
}

function peerMatches(peer: Peer, policyNamespace: string, ep: Endpoint): boolean {
  if (peer.ipBlock) {
    if (ep.labels || !ep.ip) return false; // ipBlock is meant for addresses outside the cluster
    return inCidr(ep.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(ep.ip!, c));
  }
  if (!ep.labels) return false;
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, ep.namespaceLabels ?? {})) return false;
  } else if (ep.namespace !== policyNamespace) {
    return false;
  }
  return selectorMatches(peer.podSelector, ep.labels);
}

function ruleAllows(rule: Rule, peers: Peer[] | undefined, policyNamespace: string, ep: Endpoint, port: number, protocol: string): boolean {
  const portOk =
    !rule.ports?.length ||
    rule.ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || (typeof p.port === 'number' && port >= p.port && port <= (p.endPort ?? p.port))));
  const peerOk = !peers?.length || peers.some((p) => peerMatches(p, policyNamespace, ep));
  return portOk && peerOk;
}

function policies(objects: K8sObject[]): { namespace: string; spec: PolicySpec }[] {
  return objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => ({ namespace: o.metadata.namespace ?? 'default', spec: o.spec as PolicySpec }));
}

function types(spec: PolicySpec): string[] {
  return spec.policyTypes ?? ['Ingress', ...(spec.egress ? ['Egress'] : [])];
}

/** Whether `objects`' NetworkPolicies let `from` open a connection to `to` on `port`. */
export function allowed(objects: K8sObject[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  const all = policies(objects);
  if (from.labels) {
    const selecting = all.filter((p) => p.namespace === from.namespace && selectorMatches(p.spec.podSelector, from.labels!) && types(p.spec).includes('Egress'));
    if (selecting.length && !selecting.some((p) => (p.spec.egress ?? []).some((r) => ruleAllows(r, r.to, p.namespace, to, port, protocol)))) return false;
  }
  if (to.labels) {
    const selecting = all.filter((p) => p.namespace === to.namespace && selectorMatches(p.spec.podSelector, to.labels!) && types(p.spec).includes('Ingress'));
    if (selecting.length && !selecting.some((p) => (p.spec.ingress ?? []).some((r) => ruleAllows(r, r.from, p.namespace, from, port, protocol)))) return false;
  }
  return true;
}
