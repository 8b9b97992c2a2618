import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify, visit, Scalar } from 'yaml';

/** A Kubernetes object as parsed from YAML; only the fields the kit itself reads are typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderedFile {
  file: string;
  objects: K8sObject[];
}

export type ManifestValues = Record<string, string | number | undefined>;

export class RenderError extends Error {
  override name = 'RenderError';
  constructor(
    readonly unset: { variable: string; file: string }[],
    readonly unknown: { variable: string; file: string }[],
  ) {
    const lines = [
      ...unset.map((u) => `  \${${u.variable}} in ${u.file} has no value`),
      ...unknown.map((u) => `  \${${u.variable}} in ${u.file} is not a variable the kit knows`),
    ];
    super(`cannot render the manifests:\n${lines.join('\n')}`);
  }
}

const placeholder = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The manifest files in apply order: the numeric prefix is the order. */
export function manifestFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /^\d\d-[a-z0-9-]+\.yaml$/.test(f))
    .sort();
}

/**
 * Substitutes `${VAR}` inside YAML scalars (after parsing, so a value can never change the document's structure),
 * and fails listing every placeholder without a value or without a known variable. A scalar that is exactly one
 * placeholder whose value is a number becomes a YAML number (replicas, ports).
 */
export function renderManifests(dir: string, values: ManifestValues, skip: string[] = []): RenderedFile[] {
  const unset: { variable: string; file: string }[] = [];
  const unknown: { variable: string; file: string }[] = [];
  const rendered: RenderedFile[] = [];
  for (const file of manifestFiles(dir)) {
    if (skip.includes(file)) continue;
    const docs = parseAllDocuments(readFileSync(join(dir, file), 'utf8'));
    const objects: K8sObject[] = [];
    for (const doc of docs) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      visit(doc, {
        Scalar(_key, node) {
          if (typeof node.value !== 'string' || !node.value.includes('${')) return;
          const text = node.value;
          const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(text);
          const lookup = (variable: string): string => {
            if (!(variable in values)) unknown.push({ variable, file });
            else if (values[variable] === undefined) unset.push({ variable, file });
            return String(values[variable] ?? '');
          };
          // Unquoted in the manifest means the field is numeric (replicas, ports); quoted stays a string.
          if (whole?.[1] && typeof values[whole[1]] === 'number' && node.type === Scalar.PLAIN) {
            node.value = values[whole[1]];
            return;
          }
          node.value = text.replace(placeholder, (_m, v: string) => lookup(v));
        },
      });
      const obj = doc.toJS() as K8sObject | null;
      if (obj) objects.push(obj);
    }
    rendered.push({ file, objects });
  }
  if (unset.length || unknown.length) throw new RenderError(dedupe(unset), dedupe(unknown));
  return rendered;
}

function dedupe<T extends { variable: string; file: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(`${i.variable}@${i.file}`) && seen.add(`${i.variable}@${i.file}`));
}

/** Pod templates of the workloads among the objects (Jobs are left out: their template is immutable). */
export function podTemplates(objects: K8sObject[]): { owner: K8sObject; template: PodTemplate }[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => ({ owner: o, template: (o as unknown as { spec: { template: PodTemplate } }).spec.template }));
}

export interface PodTemplate {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: ContainerSpec[];
    initContainers?: ContainerSpec[];
    [field: string]: unknown;
  };
}

export interface ContainerSpec {
  name: string;
  image: string;
  env?: {
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string; optional?: boolean };
      configMapKeyRef?: { name: string; key: string; optional?: boolean };
    };
  }[];
  envFrom?: { secretRef?: { name: string }; configMapRef?: { name: string } }[];
  [field: string]: unknown;
}

/** The ConfigMap and Secret keys a pod template reads, by object name. */
export function referencedKeys(template: PodTemplate): { configMaps: Map<string, Set<string>>; secrets: Map<string, Set<string>> } {
  const configMaps = new Map<string, Set<string>>();
  const secrets = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, name: string, key: string) => m.set(name, (m.get(name) ?? new Set()).add(key));
  for (const c of [...template.spec.containers, ...(template.spec.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef) add(configMaps, e.valueFrom.configMapKeyRef.name, e.valueFrom.configMapKeyRef.key);
      if (e.valueFrom?.secretKeyRef) add(secrets, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    }
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef) add(configMaps, e.configMapRef.name, '*');
      if (e.secretRef) add(secrets, e.secretRef.name, '*');
    }
  }
  return { configMaps, secrets };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Stamps each Deployment/StatefulSet pod template with a digest of exactly the ConfigMap and Secret values it
 * reads. A changed value then changes only the templates that use it, and so rolls exactly those pods; an
 * unchanged value leaves every template byte-identical, so re-applying rolls nothing.
 * `secretDigests` maps Secret key -> sha256 of its value: the values themselves never reach this code.
 */
export function stampChecksums(files: RenderedFile[], secretDigests: Record<string, string>): void {
  const all = files.flatMap((f) => f.objects);
  const configData = new Map<string, Record<string, string>>();
  for (const o of all) if (o.kind === 'ConfigMap') configData.set(o.metadata.name, (o.data as Record<string, string>) ?? {});
  for (const { template } of podTemplates(all)) {
    const { configMaps, secrets } = referencedKeys(template);
    const annotations: Record<string, string> = {};
    for (const [name, keys] of configMaps) {
      const data = configData.get(name) ?? {};
      const used = keys.has('*') ? Object.keys(data) : [...keys];
      annotations[`checksum/${name}`] = sha256(used.sort().map((k) => `${k}=${data[k] ?? ''}`).join('\n')).slice(0, 16);
    }
    for (const [name, keys] of secrets) {
      const used = keys.has('*') ? Object.keys(secretDigests) : [...keys];
      annotations[`checksum/${name}`] = sha256(used.sort().map((k) => `${k}=${secretDigests[k] ?? ''}`).join('\n')).slice(0, 16);
    }
    if (Object.keys(annotations).length) template.metadata.annotations = { ...template.metadata.annotations, ...annotations };
  }
}

/** Writes one multi-document YAML file per manifest into `outDir` (emptied first), for `kubectl apply -f`. */
export function writeRendered(files: RenderedFile[], outDir: string): string[] {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  return files.map((f) => {
    const path = join(outDir, f.file);
    writeFileSync(path, f.objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
    return path;
  });
}
