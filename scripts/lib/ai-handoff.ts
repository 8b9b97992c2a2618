/**
 * Hands a diagnosis to the AI operations tools: kubectl-ai (asked directly when it is on PATH) and kagent (whose
 * command is printed). What they receive is the redacted bundle: the report plus the pod states, events and log
 * tails it came from, never a Secret value.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { formatFindings, type ClusterState, type Report } from './diagnose.js';
import { formatEvent } from './diagnose-rules.js';
import { childEnv } from './env.js';
import type { Redactor } from './redact.js';

/** Shell quoting for a command a person copies. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The one-line question: what is wrong, where, and what we already know. */
export function question(report: Report): string {
  const where = `namespace ${report.namespace} of kubectl context ${report.context}${report.component ? `, component ${report.component}` : ''}`;
  const known = report.findings.length ? `Deterministic checks found: ${[...new Set(report.findings.map((f) => f.title))].join('; ')}.` : report.healthy ? 'Deterministic checks found nothing wrong.' : 'Deterministic checks found no known cause.';
  return `Why are the pods of the todo chatbot (frontend, backend, mcp-server, postgres, a migrate Job) failing in ${where}? ${known} Confirm or correct the cause with read-only kubectl commands and give the exact fix. Never print Secret values.`;
}

/** The redacted bundle as text: the report first, then the evidence it rests on. */
export function bundleText(report: Report, state: ClusterState, redactor: Redactor): string {
  const lines: string[] = [];
  lines.push(`# Diagnosis bundle: ${report.namespace} on ${report.context}${report.component ? ` (${report.component})` : ''}`, '');
  lines.push('## Findings', formatFindings(report), '');
  lines.push('## Workloads', ...report.workloads.map((w) => `${w.workload}: ${w.ready}/${w.desired} ready`), '');
  lines.push('## Pods', ...report.pods.map((p) => `${p.pod} [${p.component}] ${p.status} ready ${p.ready} restarts ${p.restarts}${p.lastExit ? ` last exit ${p.lastExit}` : ''}`), '');
  if (report.nodes.length) lines.push('## Nodes', ...report.nodes.map((n) => `${n.node}: ${n.ready ? 'Ready' : 'NotReady'}${n.pressure.length ? ` ${n.pressure.join(',')}` : ''}, allocatable cpu ${n.cpuAllocatable} memory ${n.memoryAllocatable}`), '');
  lines.push('## Container states');
  for (const p of state.pods) {
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
      lines.push(`${p.metadata.name}/${c.name}: ${JSON.stringify({ ready: c.ready, restartCount: c.restartCount, state: c.state, lastState: c.lastState })}`);
    }
    const conds = (p.status?.conditions ?? []).filter((x) => x.status !== 'True');
    if (conds.length) lines.push(`${p.metadata.name} conditions: ${JSON.stringify(conds)}`);
  }
  lines.push('', '## Warning events');
  lines.push(...state.events.filter((e) => e.type === 'Warning').slice(-30).map((e) => `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}: ${formatEvent(e)}`));
  if (state.secret !== undefined) lines.push('', `## Secret todo-secrets`, state.secret ? `keys: ${Object.keys(state.secret.data ?? {}).sort().join(', ')} (values withheld)` : 'does not exist');
  if (state.errorText) lines.push('', '## Error of the failed command', state.errorText.trim());
  lines.push('', '## Log tails');
  for (const [key, text] of Object.entries(state.logs)) lines.push(`### ${key}`, ...text.trimEnd().split('\n').slice(-20), '');
  for (const [key, a] of Object.entries(state.probes ?? {})) lines.push(`readiness ${key}: GET ${a.path} -> ${a.status} ${a.body.slice(0, 300)}`);
  // The state was redacted already; the text pass catches anything composed above.
  return redactor.text(lines.join('\n'));
}

export interface Handoff {
  file: string;
  question: string;
  kubectlAi: string;
  kagentTask: string;
  kagentFile: string;
}

/** Writes the bundle (owner-only) and the commands that hand it over. */
export function prepareHandoff(report: Report, state: ClusterState, redactor: Redactor, dir = mkdtempSync(path.join(tmpdir(), 'todo-diagnose-'))): Handoff {
  const file = path.join(dir, 'bundle.md');
  const q = question(report);
  const text = bundleText(report, state, redactor);
  writeFileSync(file, `${q}\n\n${text}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return {
    file,
    question: q,
    kubectlAi: `kubectl-ai --quiet ${shellQuote(q)} < ${shellQuote(file)}`,
    kagentTask: `kagent invoke --agent k8s-agent --task ${shellQuote(q)}`,
    kagentFile: `kagent invoke --agent k8s-agent --file ${shellQuote(file)}`,
  };
}

export async function onPath(tool: string): Promise<boolean> {
  return (await $({ quiet: true })`which ${tool}`.nothrow()).exitCode === 0;
}

/**
 * Asks kubectl-ai: the question as its argument, the bundle on stdin (kubectl-ai prefixes stdin with the argument).
 * kubectl-ai works on the current context; the caller runs it only when that is the diagnosed one.
 */
export async function askKubectlAi(h: Handoff): Promise<number> {
  const r = await $({ input: readFileSync(h.file, 'utf8'), stdio: ['pipe', 'inherit', 'inherit'], env: childEnv() })`kubectl-ai --quiet ${h.question}`.nothrow();
  return r.exitCode ?? 1;
}
