import { describe, it } from 'vitest';

/**
 * Declares a heavy test tier (browser, docker, cluster). With every prerequisite present it runs; otherwise it
 * skips with a title naming what is missing, except under CI=true, where a missing prerequisite is a failure.
 */
export function describeTier(tier: string, missing: string[], name: string, body: () => void): void {
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const reason = `${tier} tier needs ${missing.join('; ')}`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has its prerequisites', () => {
        throw new Error(`${reason} (CI must run every tier)`);
      });
    });
    return;
  }
  console.warn(`[${tier}] skipped: ${reason}`);
  describe.skip(`${name} — skipped: ${reason}`, body);
}
