/**
 * Real-browser tests of the dashboard: a Nest application listening on a
 * loopback port, the system's Chromium driven by playwright-core, and a
 * watch on what the page must never do (raise errors, violate its
 * Content-Security-Policy, open dialogs).
 */
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { SchedulerService } from '../../lib/index.js';

/** The browser of the machine (Debian's chromium package); playwright never downloads one. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const ADMIN_PATH = '/admin/scheduler';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install the distribution's chromium package, or set CHROMIUM_PATH.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface RunningApp {
  app: INestApplication;
  scheduler: SchedulerService;
  /** The dashboard's URL, with its trailing slash. */
  dashboard: string;
}

/** Boots `module` on the Express platform, listening on an ephemeral loopback port. */
export async function startApp(module: Type): Promise<RunningApp> {
  const app = await NestFactory.create(module, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    scheduler: app.get(SchedulerService),
    dashboard: `http://127.0.0.1:${port}${ADMIN_PATH}/`,
  };
}

/** What a page did that it must not: console errors (CSP violations among them), uncaught errors, dialogs. */
export interface PageWatch {
  problems: string[];
  dialogs: string[];
}

export function watchPage(page: Page): PageWatch {
  const watch: PageWatch = { problems: [], dialogs: [] };
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' || /Content[- ]Security[- ]Policy/i.test(text)) {
      watch.problems.push(`console ${message.type()}: ${text}`);
    }
  });
  page.on('pageerror', (error) => watch.problems.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return watch;
}

/**
 * Retries `check` (which throws while its condition does not hold) until it
 * passes; after `timeoutMs` the last failure is thrown. Playwright's own
 * assertions come with @playwright/test, which the project does not use.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 5_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** A locator for an attribute value, quoted for CSS (task ids may hold '@', ':' and '.'). */
export function byAttribute(page: Page | Locator, name: string, value: string): Locator {
  return page.locator(`[${name}="${value.replace(/["\\]/g, '\\$&')}"]`);
}
