import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { names, paths } from './layout.js';

export const storageClass = 'todo-test-local';
const volumeCount = 32;

/**
 * The default StorageClass: a pool of `local` PersistentVolumes on the node, bound when a pod first uses a claim.
 * Upstream has no dynamic provisioner that runs without an image, and its hostPath provisioner makes root-only
 * directories that ignore fsGroup; `local` volumes honour fsGroup, so a database running as its own uid can write.
 * A released volume is not reused (Retain): every new claim gets an empty one, like a fresh dynamic volume.
 */
export async function storageManifests(): Promise<string> {
  const docs: object[] = [
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: storageClass, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Retain',
    },
  ];
  for (let i = 0; i < volumeCount; i++) {
    const dir = join(paths.volumes, `pv-${i}`);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o777);
    docs.push({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `todo-test-pv-${i}` },
      spec: {
        capacity: { storage: '10Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: storageClass,
        local: { path: dir },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [names.node] }] }],
          },
        },
      },
    });
  }
  return docs.map((d) => stringify(d)).join('---\n');
}
