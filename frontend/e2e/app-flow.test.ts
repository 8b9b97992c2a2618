// The product end to end in a real headless Chromium against the real local stack (database, MCP server,
// backend with the offline model, built standalone frontend): what a person does, and what another must not see.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeTier } from '../../tests/lib/tier.js';
import { chromiumArgs, chromiumPath, missingBrowserPrerequisites } from './lib/browser.js';
import { ensureStandaloneBuild, freePort, repoRoot } from './lib/standalone.js';
import type { Stack } from './lib/stack.js';

const artifacts = path.join(repoRoot, 'test-results', 'browser');
// The README's screenshots are refreshed only on request, so a normal run leaves the tree clean.
const readmeShots = process.env['UPDATE_SCREENSHOTS'] === '1' ? path.join(repoRoot, 'docs', 'screenshots') : null;

const desktop = { width: 1280, height: 820 };
const phone = { width: 390, height: 844 };

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `${name}.png`);
  // A full-page shot of a scrolled page would catch the sticky header halfway down.
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  await page.screenshot({ path: file, fullPage: true });
  if (readmeShots && (name === 'desktop' || name === 'phone')) {
    mkdirSync(readmeShots, { recursive: true });
    copyFileSync(file, path.join(readmeShots, `${name}.png`));
  }
}

async function signUp(page: Page, base: string, who: { name: string; email: string; password: string }) {
  await page.goto(`${base}/sign-up`);
  await page.getByLabel('Name').fill(who.name);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${base}/`);
  await page.getByRole('heading', { name: 'Tasks' }).waitFor();
}

async function chat(page: Page, message: string) {
  const input = page.getByLabel('Message the assistant');
  await input.fill(message);
  await input.press('Enter');
}

function taskCheckbox(page: Page, title: string) {
  return page.getByRole('checkbox', { name: title, exact: true });
}

async function sessionUserId(context: BrowserContext, base: string): Promise<string> {
  const response = await context.request.get(`${base}/api/auth/get-session`);
  const body = (await response.json()) as { user?: { id?: string } } | null;
  if (!body?.user?.id) throw new Error('no session');
  return body.user.id;
}

describeTier('browser', missingBrowserPrerequisites(), 'the app in a real browser', () => {
  let stack: Stack;
  let browser: Browser;
  let first: BrowserContext;
  let page: Page;
  let firstUserId: string;
  const stamp = Date.now().toString(36);
  const alice = { name: 'Alice', email: `alice-${stamp}@example.com`, password: 'correct horse battery' };
  const bob = { name: 'Bob', email: `bob-${stamp}@example.com`, password: 'another good password' };

  beforeAll(async () => {
    ensureStandaloneBuild();
    const { startStack } = await import('./lib/stack.js');
    stack = await startStack();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
    first = await browser.newContext({ viewport: desktop });
    page = await first.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('sends a signed-out visitor to sign-in', async () => {
    await page.goto(`${stack.url}/`);
    await page.waitForURL(`${stack.url}/sign-in`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('signs up and lands on an empty list', async () => {
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(`${stack.url}/sign-up`);
    await signUp(page, stack.url, alice);
    await page.getByText('No tasks yet').waitFor();
    firstUserId = await sessionUserId(first, stack.url);
  });

  it('adds tasks with the form, with and without a description', async () => {
    await page.getByLabel('New task title').fill('Write the quarterly report');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await taskCheckbox(page, 'Write the quarterly report').waitFor();

    await page.getByLabel('New task title').fill('Call the dentist');
    await page.getByRole('button', { name: '+ Add a description' }).click();
    await page.getByLabel('Description (optional)').fill('Ask about moving the appointment to Friday morning');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await taskCheckbox(page, 'Call the dentist').waitFor();
    await page.getByText('Ask about moving the appointment to Friday morning').waitFor();
  });

  it('shows the backend’s validation error next to the field it names', async () => {
    await page.getByLabel('New task title').fill('x'.repeat(201));
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'title must be at most 200 characters' }).waitFor();
    expect(await page.getByLabel('New task title').getAttribute('aria-invalid')).toBe('true');
    // Editing the field clears the complaint.
    await page.getByLabel('New task title').fill('');
    expect(await page.getByRole('alert').filter({ hasText: 'title must be' }).count()).toBe(0);
    expect(await page.getByLabel('New task title').getAttribute('aria-invalid')).toBeNull();
  });

  it('adds a task by chat, shows the tool call and refreshes the list', async () => {
    await chat(page, 'add buy milk');
    await page.locator('.tool-call', { hasText: "added 'buy milk'" }).waitFor();
    await taskCheckbox(page, 'buy milk').waitFor();
    expect(await taskCheckbox(page, 'buy milk').isChecked()).toBe(false);
  });

  it('completes a task by chat', async () => {
    await chat(page, 'mark buy milk done');
    await page.locator('.tool-call', { hasText: "completed 'buy milk'" }).waitFor();
    await expect.poll(() => taskCheckbox(page, 'buy milk').isChecked(), { timeout: 10_000 }).toBe(true);
  });

  it('edits a task’s title and description', async () => {
    await page.getByRole('button', { name: 'Edit “Call the dentist”' }).click();
    await page.getByLabel('Title', { exact: true }).fill('Call the dentist about Friday');
    await page.getByLabel('Description', { exact: true }).fill('Morning slot preferred');
    await page.getByRole('button', { name: 'Save' }).click();
    await taskCheckbox(page, 'Call the dentist about Friday').waitFor();
    await page.getByText('Morning slot preferred').waitFor();
  });

  it('filters pending and completed tasks', async () => {
    await page.getByRole('link', { name: /^Completed/ }).click();
    await page.waitForURL(`${stack.url}/?filter=completed`);
    await taskCheckbox(page, 'buy milk').waitFor();
    expect(await taskCheckbox(page, 'Call the dentist about Friday').count()).toBe(0);
    await page.getByRole('link', { name: /^Pending/ }).click();
    await page.waitForURL(`${stack.url}/?filter=pending`);
    await taskCheckbox(page, 'Call the dentist about Friday').waitFor();
    expect(await taskCheckbox(page, 'buy milk').count()).toBe(0);
    await page.getByRole('link', { name: /^All/ }).click();
    await page.waitForURL(`${stack.url}/`);
  });

  it('takes desktop and phone screenshots', async () => {
    await chat(page, "what's left?");
    await page.locator('.tool-call', { hasText: 'listed' }).waitFor();
    await screenshot(page, 'desktop');
    const phoneContext = await browser.newContext({
      viewport: phone,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      storageState: await first.storageState(),
    });
    const phonePage = await phoneContext.newPage();
    await phonePage.goto(`${stack.url}/`);
    await taskCheckbox(phonePage, 'buy milk').waitFor();
    // Resume the conversation at phone width too, so the picture shows the chat as well as the list.
    await phonePage.getByRole('button', { name: /^History/ }).click();
    await phonePage.locator('.history-item').first().click();
    await phonePage.locator('.tool-call', { hasText: "added 'buy milk'" }).waitFor();
    // Nothing may stick out sideways on a phone.
    const overflow = await phonePage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(phonePage, 'phone');
    await phoneContext.close();
  });

  it('deletes a task with the form', async () => {
    await page.getByRole('button', { name: 'Delete “Write the quarterly report”' }).click();
    await expect.poll(() => taskCheckbox(page, 'Write the quarterly report').count(), { timeout: 10_000 }).toBe(0);
  });

  it('keeps the state across a reload, and resumes the earlier conversation', async () => {
    await page.reload();
    await taskCheckbox(page, 'buy milk').waitFor();
    expect(await taskCheckbox(page, 'buy milk').isChecked()).toBe(true);
    expect(await taskCheckbox(page, 'Call the dentist about Friday').isChecked()).toBe(false);
    expect(await taskCheckbox(page, 'Write the quarterly report').count()).toBe(0);

    await page.getByRole('button', { name: /^History/ }).click();
    const earlier = page.locator('.history-item');
    expect(await earlier.count()).toBe(1);
    await earlier.first().click();
    await page.locator('.tool-call', { hasText: "added 'buy milk'" }).waitFor();
    await page.locator('.bubble-user', { hasText: 'mark buy milk done' }).waitFor();
    await chat(page, 'add bread');
    await taskCheckbox(page, 'bread').waitFor();
    // Still one conversation: the new message went into the resumed one.
    await page.getByRole('button', { name: 'History (1)' }).waitFor();
  });

  it('signs out, and then every protected page sends you to sign-in', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${stack.url}/sign-in`);
    for (const target of ['/', '/?filter=completed']) {
      await page.goto(`${stack.url}${target}`);
      await page.waitForURL(`${stack.url}/sign-in`);
    }
    const api = await first.request.get(`${stack.url}/api/${firstUserId}/tasks`);
    expect(api.status()).toBe(401);
  });

  it('signs back in to find the list as it was', async () => {
    await page.getByLabel('Email').fill(alice.email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.url}/`);
    await taskCheckbox(page, 'bread').waitFor();
  });

  it('shows a second user none of the first user’s tasks or conversations', async () => {
    const second = await browser.newContext({ viewport: desktop });
    const other = await second.newPage();
    await signUp(other, stack.url, bob);
    await other.getByText('No tasks yet').waitFor();
    expect(await other.locator('.task').count()).toBe(0);
    await other.getByRole('button', { name: 'History', exact: true }).click();
    await other.getByText('No earlier conversations yet.').waitFor();
    // Asking the assistant shows only Bob's own (empty) list.
    await chat(other, 'list my tasks');
    await other.locator('.tool-call', { hasText: 'listed 0 tasks' }).waitFor();
    // And the API refuses Alice's data outright.
    for (const resource of ['tasks', 'conversations']) {
      const response = await second.request.get(`${stack.url}/api/${firstUserId}/${resource}`);
      expect(response.status()).toBe(403);
    }
    await second.close();
  });

  it('sends an expired session back to sign-in with a notice', async () => {
    const third = await browser.newContext({ viewport: desktop, storageState: await first.storageState() });
    const expiring = await third.newPage();
    await expiring.goto(`${stack.url}/`);
    await taskCheckbox(expiring, 'bread').waitFor();
    await third.clearCookies();
    await expiring.getByLabel('New task title').fill('never saved');
    await expiring.getByRole('button', { name: 'Add', exact: true }).click();
    await expiring.waitForURL(`${stack.url}/sign-in?expired=1`);
    await expiring.getByText('Your session has expired').waitFor();
    await third.close();
  });

  it('says so when the assistant fails', async () => {
    // A backend whose model endpoint refuses connections: the chat turn fails as a whole.
    const variant = await stack.startVariant({
      apiKey: 'unused-key',
      baseURL: `http://127.0.0.1:${await freePort()}/v1`,
      model: 'gpt-4o-mini',
    });
    try {
      await page.goto(`${variant.url}/`);
      await taskCheckbox(page, 'bread').waitFor();
      await chat(page, 'add eggs');
      await page.getByRole('alert').filter({ hasText: 'The assistant couldn’t answer' }).waitFor();
      // The message is kept and shown, and nothing was added.
      await page.locator('.bubble-user', { hasText: 'add eggs' }).waitFor();
      expect(await taskCheckbox(page, 'eggs').count()).toBe(0);
      await screenshot(page, 'assistant-failed');
    } finally {
      await variant.close();
    }
  });

  it('shows a tool call that could not run', async () => {
    await stack.stopMcpServer();
    await page.goto(`${stack.url}/`);
    await chat(page, 'add eggs');
    await page.locator('.tool-call-failed', { hasText: 'add task failed' }).waitFor();
    await screenshot(page, 'tool-failed');
  });

  it('says so when the backend is unreachable', async () => {
    await stack.stopBackend();
    await page.reload();
    await page.getByRole('heading', { name: 'We can’t reach the service' }).waitFor();
    await screenshot(page, 'backend-unreachable');
  });
});
