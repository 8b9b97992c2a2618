import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { bin, paths, versions } from './layout.js';

export interface LocalImage {
  ref: string;
  binary: string;
  entrypoint: string[];
  archive: string;
}

/**
 * The cluster's own images are imported into the kubelet's containerd rather than pulled: no image registry is
 * reachable from these machines, and the cluster must not depend on its own registry to start.
 */
export const pauseImage: LocalImage = {
  ref: `todo-test.local/pause:${versions.pause}`,
  binary: 'pause',
  entrypoint: ['/pause'],
  archive: join(paths.images, 'pause.tar'),
};

export const coreDnsImage: LocalImage = {
  ref: `todo-test.local/coredns:${versions.coredns}`,
  binary: 'coredns',
  entrypoint: ['/coredns'],
  archive: join(paths.images, 'coredns.tar'),
};

/**
 * A one-layer image (`FROM scratch` plus one static binary) in the `docker save` format, which `ctr images import`
 * and `docker load` both read. Written by hand so that making it needs neither a Docker daemon nor a base image.
 */
export async function buildImageArchive(image: LocalImage): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'todo-test-image-'));
  try {
    const rootfs = join(work, 'rootfs');
    await mkdir(rootfs);
    await copyFile(bin(image.binary), join(rootfs, image.binary));
    await $`chmod 0755 ${join(rootfs, image.binary)}`;
    const out = join(work, 'out');
    await mkdir(out);
    await $`tar ${['--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', rootfs, '-cf', join(out, 'layer.tar'), image.binary]}`;
    const diffId = `sha256:${createHash('sha256').update(await readFile(join(out, 'layer.tar'))).digest('hex')}`;
    const config = {
      architecture: 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: { Entrypoint: image.entrypoint },
      rootfs: { type: 'layers', diff_ids: [diffId] },
    };
    await writeFile(join(out, 'config.json'), JSON.stringify(config));
    await writeFile(
      join(out, 'manifest.json'),
      JSON.stringify([{ Config: 'config.json', RepoTags: [image.ref], Layers: ['layer.tar'] }]),
    );
    await mkdir(paths.images, { recursive: true });
    await $`tar ${['-C', out, '-cf', `${image.archive}.partial`, 'manifest.json', 'config.json', 'layer.tar']}`;
    await rename(`${image.archive}.partial`, image.archive);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
