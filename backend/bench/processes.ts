// What both benchmarks need to run services as their own processes.
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

/** Waits up to 30 s for a health URL to answer 2xx; a child that exits meanwhile fails at once, naming its code. */
export async function waitReady(healthUrl: string, child?: ChildProcess): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (child && child.exitCode !== null) throw new Error(`the service behind ${healthUrl} exited with code ${child.exitCode}`);
    if (await fetch(healthUrl).then((r) => r.ok, () => false)) return;
    await sleep(200);
  }
  throw new Error(`${healthUrl} not ready after 30 s`);
}
