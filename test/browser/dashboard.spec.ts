/**
 * The operator dashboard in a real browser, against a real application:
 * live updates over the event stream, filters, paging, the task detail,
 * cancel and retry by clicking, and data shown as text only under the
 * page's Content-Security-Policy.
 */
import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import type { Browser, Page, Response } from 'playwright-core';
import { SchedulerModule, Task, type TaskContext, type TaskHandler } from '../../lib/index.js';
import {
  eventually,
  launchBrowser,
  startApp,
  watchPage,
  type PageWatch,
  type RunningApp,
} from './browser-harness.js';
import { startPopulatedApp, type PopulatedApp } from './populated-app.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const MARKUP = '<img src=x onerror=alert(1)>';
const FAILURE = `Upstream refused </script><img src=x onerror=alert(2)> javascript:alert(3)`;

@Task({ name: 'greet', queue: 'fast' })
class GreetTask implements TaskHandler<unknown> {
  execute(): void {}
}

/** Fails its first attempt, with no automatic retry: a retry by hand then succeeds. */
@Task({ name: 'explode', queue: 'fast', retries: 0 })
class ExplodeTask implements TaskHandler<unknown> {
  execute(_payload: unknown, ctx: TaskContext): void {
    if (ctx.attempt === 1) throw new Error(FAILURE);
  }
}

@Module({
  imports: [
    SchedulerModule.forRoot({ admin: true, logger: false, queues: { fast: { workers: 4 } } }),
  ],
  providers: [GreetTask, ExplodeTask],
})
class DashboardAppModule {}

/** A task's row in the table, optionally only once it shows `status`. */
function taskRow(page: Page, id: string, status?: string) {
  const quoted = id.replace(/["\\]/g, '\\$&');
  const withStatus = status === undefined ? '' : `[data-status="${status}"]`;
  return page.locator(`[data-testid="task-row"][data-task-id="${quoted}"]${withStatus}`);
}

async function textOf(page: Page, testid: string): Promise<string> {
  return (await page.getByTestId(testid).textContent()) ?? '';
}

describe('dashboard in a browser', () => {
  let browser: Browser;
  let running: RunningApp;
  let page: Page;
  let watch: PageWatch;
  let response: Response | null;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    [browser, running] = await Promise.all([launchBrowser(), startApp(DashboardAppModule)]);
    // Adding a schedule sends no event: it is there before the page loads.
    ids.schedule = await running.scheduler.addCronJob('0 0 1 1 *', 'greet', { yearly: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(5_000);
    watch = watchPage(page);
    // The page's own address without its trailing slash: its links must not depend on it.
    response = await page.goto(running.dashboard.replace(/\/$/, ''));
    await page.evaluate('window.__sameDocument = true');
  });

  afterAll(async () => {
    await browser?.close();
    await running?.app.close();
  });

  it('serves the page under its Content-Security-Policy and goes live', async () => {
    expect(response?.status()).toBe(200);
    const csp = (await response?.allHeaders())?.['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    await page.locator('[data-testid="connection-state"][data-state="live"]').waitFor();
    await eventually(async () => expect(await textOf(page, 'stat-total')).toBe('0'));
    await page.locator('[data-testid="queue-row"][data-queue="fast"]').waitFor();
    await page
      .locator(`[data-testid="schedule-row"][data-schedule-id="${ids.schedule}"]`)
      .waitFor();
  });

  it('shows a task enqueued by the application without reloading, then its completion', async () => {
    ids.greet = await running.scheduler.enqueue('greet', { html: MARKUP, note: 'javascript:void' });
    await taskRow(page, ids.greet).waitFor();
    await taskRow(page, ids.greet, 'completed').waitFor();
    await eventually(async () => expect(await textOf(page, 'stat-completed')).toBe('1'));
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
  });

  it('shows a failure, its error as text', async () => {
    ids.explode = await running.scheduler.enqueue('explode', { attempt: 'first' });
    const row = taskRow(page, ids.explode, 'failed');
    await row.waitFor();
    expect(await row.textContent()).toContain('</script><img src=x onerror=alert(2)>');
    await eventually(async () => expect(await textOf(page, 'stat-failed')).toBe('1'));
  });

  it('cancels a waiting task by clicking its Cancel button', async () => {
    ids.delayed = await running.scheduler.addDelayedJob('1h', 'greet', { later: true });
    const row = taskRow(page, ids.delayed, 'pending');
    await row.getByTestId('cancel-button').click();
    await taskRow(page, ids.delayed, 'cancelled').waitFor();
    expect(await running.scheduler.getTask(ids.delayed)).toMatchObject({ status: 'cancelled' });
    await page.getByTestId('toast').filter({ hasText: 'cancelled' }).first().waitFor();
    await eventually(async () => expect(await textOf(page, 'stat-cancelled')).toBe('1'));
    expect(await taskRow(page, ids.delayed).getByTestId('cancel-button').isVisible()).toBe(false);
  });

  it('filters by status and by task name', async () => {
    const rows = page.getByTestId('task-row');
    await page.getByTestId('filter-status').selectOption('failed');
    await eventually(async () =>
      expect(
        await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-task-id'))),
      ).toEqual([ids.explode]),
    );
    await page.getByTestId('filter-status').selectOption('');
    await page.getByTestId('filter-name').fill('greet');
    await eventually(async () =>
      expect(
        await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-task-id'))),
      ).toEqual([ids.delayed, ids.greet]),
    );
  });

  it('shows the error of a refused request (a task name the engine refuses) as text', async () => {
    const name = '<b>no such task</b>';
    try {
      await page.getByTestId('filter-name').fill(name);
      await page.getByTestId('toast').filter({ hasText: name }).waitFor();
      // The rows of the previous filters make way for the error.
      await page.getByTestId('tasks-empty').filter({ hasText: name }).waitFor();
      expect(await page.getByTestId('task-row').count()).toBe(0);
      expect(await page.locator('.toast b, [data-testid="tasks-empty"] b').count()).toBe(0);
    } finally {
      await page.getByTestId('filter-name').fill('');
    }
    await eventually(async () => expect(await page.getByTestId('task-row').count()).toBe(3));
    // The browser logs the refused request itself; that error is expected.
    const refused = /status of 400/;
    expect(watch.problems.filter((problem) => refused.test(problem)).length).toBeGreaterThan(0);
    watch.problems = watch.problems.filter((problem) => !refused.test(problem));
  });

  it('opens a task detail: the payload pretty-printed, as text', async () => {
    await taskRow(page, ids.greet).click();
    const detail = page.getByTestId('task-detail');
    await detail.waitFor();
    const payload = await detail.getByTestId('detail-payload').textContent();
    expect(payload).toBe(JSON.stringify({ html: MARKUP, note: 'javascript:void' }, null, 2));
    expect(await detail.getByTestId('attempt-row').count()).toBe(1);
    expect(await detail.getByTestId('detail-error').isVisible()).toBe(false);
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'hidden' });
  });

  it('retries a failed task from its detail, and shows every attempt', async () => {
    await taskRow(page, ids.explode).click();
    const detail = page.locator('[data-testid="task-detail"][data-status="failed"]');
    await detail.waitFor();
    expect(await detail.getByTestId('detail-error').textContent()).toContain(FAILURE);
    expect(await detail.getByTestId('attempt-row').count()).toBe(1);
    await detail.getByTestId('retry-button').click();
    await page.locator('[data-testid="task-detail"][data-status="completed"]').waitFor();
    const attempts = page.getByTestId('task-detail').getByTestId('attempt-row');
    await eventually(async () => expect(await attempts.count()).toBe(2));
    expect(await attempts.first().textContent()).toContain(FAILURE);
    await taskRow(page, ids.explode, 'completed').waitFor();
    await page.getByTestId('task-detail').getByRole('button', { name: 'Close' }).click();
  });

  it('keeps up with a burst, and pages through the list', async () => {
    await running.scheduler.enqueueBulk(
      Array.from({ length: 60 }, (_, n) => ({ task: 'greet', payload: { n } })),
    );
    await eventually(async () => expect(await textOf(page, 'stat-completed')).toBe('62'), {
      timeoutMs: 10_000,
    });
    const { total } = await running.scheduler.getTasks({ limit: 1 });
    expect(total).toBe(63);
    await eventually(async () => expect(await textOf(page, 'page-info')).toBe('1–50 of 63'));
    await page.getByTestId('page-next').click();
    await eventually(async () => expect(await textOf(page, 'page-info')).toBe('51–63 of 63'));
    expect(await page.getByTestId('task-row').count()).toBe(13);
    // The oldest task is last on the last page.
    expect(await page.getByTestId('task-row').last().getAttribute('data-task-id')).toBe(ids.greet);
    expect(await page.getByTestId('page-next').isDisabled()).toBe(true);
    await page.getByTestId('page-prev').click();
    await eventually(async () => expect(await textOf(page, 'page-info')).toBe('1–50 of 63'));
  });

  it('pauses, resumes, fires and deletes a schedule', async () => {
    const id = ids.schedule!;
    const schedule = page.locator(`[data-testid="schedule-row"][data-schedule-id="${id}"]`);
    await schedule.getByTestId('schedule-pause').click();
    await schedule.and(page.locator('[data-paused="true"]')).waitFor();
    expect(await running.scheduler.getSchedules()).toMatchObject([{ id, paused: true }]);
    await schedule.getByTestId('schedule-resume').click();
    await schedule.and(page.locator('[data-paused="false"]')).waitFor();
    expect(await running.scheduler.getSchedules()).toMatchObject([{ id, paused: false }]);

    await schedule.getByTestId('schedule-trigger').click();
    const fired = await eventually(async () => {
      const { tasks } = await running.scheduler.getTasks({ limit: 1 });
      expect(tasks[0]).toMatchObject({ scheduleId: id });
      return tasks[0]!;
    });
    await taskRow(page, fired.id, 'completed').waitFor();

    await schedule.getByTestId('schedule-delete').click();
    await page.getByTestId('confirm').waitFor();
    await page.getByTestId('confirm-yes').click();
    await schedule.waitFor({ state: 'detached' });
    expect(await running.scheduler.getSchedules()).toEqual([]);
  });

  it('pauses and resumes a queue', async () => {
    const queue = page.locator('[data-testid="queue-row"][data-queue="fast"]');
    await queue.getByTestId('queue-pause').click();
    await queue.and(page.locator('[data-paused="true"]')).waitFor();
    const held = await running.scheduler.enqueue('greet', { held: true });
    await taskRow(page, held, 'pending').waitFor();
    await queue.getByTestId('queue-resume').click();
    await queue.and(page.locator('[data-paused="false"]')).waitFor();
    await taskRow(page, held, 'completed').waitFor();
  });

  it('ran no markup from the data, opened no dialog and logged no error or CSP violation', async () => {
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('body').textContent()).toContain('</script><img src=x');
    expect(watch.dialogs).toEqual([]);
    expect(watch.problems).toEqual([]);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    mkdirSync(join(root, 'test', 'artifacts'), { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({
      path: join(root, 'test', 'artifacts', 'dashboard.png'),
      fullPage: true,
    });
  });
});

/**
 * The README's picture of the dashboard, rewritten only on request
 * (UPDATE_SCREENSHOT=1) so that a test run never changes a committed file.
 */
const describeScreenshot = process.env.UPDATE_SCREENSHOT === '1' ? describe : describe.skip;

describeScreenshot('README screenshot', () => {
  let browser: Browser;
  let populated: PopulatedApp;

  beforeAll(async () => {
    [browser, populated] = await Promise.all([launchBrowser(), startPopulatedApp()]);
  });

  afterAll(async () => {
    await browser?.close();
    await populated?.close();
  });

  it('pictures a populated dashboard', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(5_000);
    const watch = watchPage(page);
    await page.goto(populated.dashboard);
    await page.locator('[data-testid="connection-state"][data-state="live"]').waitFor();
    await page.getByTestId('task-row').first().waitFor();
    await page.getByTestId('schedule-row').first().waitFor();
    await page
      .locator('[data-testid="queue-row"][data-queue="images"][data-paused="true"]')
      .waitFor();
    await page.locator('#history-chart rect.bar-completed').first().waitFor();
    // Lets the arrival highlight of fresh rows fade before the picture.
    await page.waitForTimeout(1_500);
    expect(watch.problems).toEqual([]);
    await page.screenshot({ path: join(root, 'sample', 'dashboard.png') });
  });
});
