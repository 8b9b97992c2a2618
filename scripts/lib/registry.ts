// Whether an image the manifests name exists where the cluster will pull it from, asked before anything is applied:
// a pod stuck on an unpullable image breaks a StatefulSet until someone deletes the pod by hand.
import { ScriptError } from './args.js';

export interface ImageRef {
  /** Registry host as written in the reference (`docker.io` when the reference names none). */
  host: string;
  /** Repository path inside the registry (`library/postgres` for an official Docker Hub image). */
  name: string;
  /** Tag or `sha256:...` digest. */
  reference: string;
  /** True when the reference names its registry host explicitly. */
  explicitHost: boolean;
}

/** Splits an image reference the way Docker does: the first part is a host only if it has a `.`, a `:` or is `localhost`. */
export function parseImageRef(ref: string): ImageRef {
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  const explicitHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const host = explicitHost ? first : 'docker.io';
  let rest = explicitHost ? ref.slice(slash + 1) : ref;
  let reference = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      reference = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  const name = host === 'docker.io' && !rest.includes('/') ? `library/${rest}` : rest;
  return { host, name, reference, explicitHost };
}

/** The Distribution API address of a reference's manifest. */
export function manifestUrl(ref: ImageRef, scheme: 'http' | 'https'): string {
  return `${scheme}://${ref.host}/v2/${ref.name}/manifests/${ref.reference}`;
}

/** Without these the registry answers 404 for an image stored only as an OCI manifest or a multi-platform index. */
export const manifestAccept = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

export type ManifestState = 'present' | 'missing' | 'unknown';

/** What a HEAD on the manifest answered: 401/403 (a registry that wants a login) cannot say either way. */
export function manifestState(status: number): ManifestState {
  if (status >= 200 && status < 300) return 'present';
  if (status === 404) return 'missing';
  return 'unknown';
}

/** Asks the registry's HTTP API for the manifest (plain HTTP first: a registry on localhost usually speaks only that). */
export async function registryManifest(ref: string): Promise<{ state: ManifestState; status: number }> {
  const parsed = parseImageRef(ref);
  for (const scheme of ['http', 'https'] as const) {
    try {
      const response = await fetch(manifestUrl(parsed, scheme), { method: 'HEAD', headers: { accept: manifestAccept }, signal: AbortSignal.timeout(10_000) });
      return { state: manifestState(response.status), status: response.status };
    } catch {
      // Try the other scheme.
    }
  }
  throw new ScriptError(`registry ${parsed.host} is not reachable`, 'start the registry or leave out --registry to build into the docker daemon');
}

export type ImageCheck =
  | { ref: string; how: 'registry' }
  | { ref: string; how: 'daemon' }
  | { ref: string; how: 'skip'; why: string };

/**
 * How each image the manifests reference can be checked before the deploy: on the `--registry` host through its
 * HTTP API; without a registry, in the docker daemon the nodes run on (minikube's, Docker Desktop's); anything else
 * is pulled from a registry the kit has no say over, and is left to the cluster. `known` are refs already confirmed
 * (the images the deploy just built or found).
 */
export function planImageChecks(refs: Iterable<string>, o: { registry?: string; daemon: boolean; known?: Iterable<string> }): ImageCheck[] {
  const known = new Set(o.known ?? []);
  const plan: ImageCheck[] = [];
  for (const ref of new Set(refs)) {
    if (known.has(ref)) continue;
    const parsed = parseImageRef(ref);
    if (o.registry && parsed.host === o.registry) plan.push({ ref, how: 'registry' });
    else if (!o.registry && o.daemon) plan.push({ ref, how: 'daemon' });
    else plan.push({ ref, how: 'skip', why: `pulled from ${parsed.host}, which the kit does not check` });
  }
  return plan;
}

/** Every image the pod templates among `objects` run (containers and init containers, Jobs included). */
export function referencedImages(objects: { kind: string; spec?: unknown }[]): string[] {
  const images = new Set<string>();
  for (const o of objects) {
    const spec = o.spec as { template?: { spec?: { containers?: { image?: string }[]; initContainers?: { image?: string }[] } } } | undefined;
    const pod = spec?.template?.spec;
    for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) if (c.image) images.add(c.image);
  }
  return [...images];
}
