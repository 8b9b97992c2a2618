import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export const chromiumPath = '/usr/bin/chromium';

/** What this tier lacks on this machine, each named so the skip (or the CI failure) says what to install. */
export function missingBrowserPrerequisites(): string[] {
  const missing: string[] = [];
  if (!existsSync(chromiumPath)) missing.push(`Chromium at ${chromiumPath} (apt-get install -y chromium)`);
  try {
    createRequire(import.meta.url).resolve('playwright-core');
  } catch {
    missing.push('the playwright-core package (npm ci)');
  }
  return missing;
}

export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
