/**
 * Every route of the admin API, on Express and on Fastify: what each
 * answers, and each documented error.
 */
import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { SchedulerModule, TASK_STATUSES, type TaskInfo } from 'nestjs-scheduler';
import type { Response } from 'supertest';
import { nextEvents } from '../nest-app.js';
import {
  ADMIN,
  BASE_OPTIONS,
  Outage,
  PLATFORMS,
  XHR,
  bootAdminApp,
  closeAdminApps,
  rawRequest,
  type AdminApp,
} from './admin-app.js';

afterEach(closeAdminApps);

/** What a task looks like once it has been through JSON: dates as ISO strings. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Resolves when the task ends with `type`. */
function finished(admin: AdminApp, type: 'completed' | 'failed', id?: () => string) {
  return nextEvents(
    admin.scheduler,
    (event) => event.type === type && (id === undefined || event.task.id === id()),
  );
}

async function failedTask(admin: AdminApp, queue = 'default'): Promise<string> {
  let id = '';
  const failure = finished(admin, 'failed', () => id);
  id = await admin.scheduler.enqueue('flaky', { attempt: 'first' }, { queue });
  await failure;
  return id;
}

async function completedTask(admin: AdminApp): Promise<string> {
  let id = '';
  const completion = finished(admin, 'completed', () => id);
  id = await admin.scheduler.enqueue('work', { done: true });
  await completion;
  return id;
}

const pendingTask = (admin: AdminApp, name = 'work', payload: unknown = {}) =>
  admin.scheduler.addDelayedJob('1h', name, payload);

/** Every field of TaskInfo; the type makes this list follow TaskInfo. */
const TASK_FIELDS: Record<keyof TaskInfo, true> = {
  id: true,
  name: true,
  queue: true,
  status: true,
  payload: true,
  scheduleId: true,
  createdAt: true,
  scheduledAt: true,
  startedAt: true,
  completedAt: true,
  durationMs: true,
  error: true,
  attempts: true,
  maxRetries: true,
  priority: true,
  nodeId: true,
  attemptHistory: true,
};

function expectCsp(response: Response): void {
  const csp = response.headers['content-security-policy'];
  expect(csp).toContain("default-src 'none'");
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
}

describe.each(PLATFORMS)('admin API on %s', (platform) => {
  const boot = (options?: Parameters<typeof bootAdminApp>[1]) => bootAdminApp(platform, options);

  describe('GET /stats', () => {
    it('answers the getStats() object', async () => {
      const admin = await boot();
      await completedTask(admin);
      await pendingTask(admin);
      const response = await admin.http().get(`${ADMIN}/stats`).expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expectCsp(response);
      const stats = await admin.scheduler.getStats();
      expect(response.body).toEqual({
        ...(asJson(stats) as object),
        uptimeMs: expect.any(Number),
        throughputPerSecond: expect.any(Number),
      });
      expect(response.body).toMatchObject({ pending: 1, completed: 1, total: 2 });
    });
  });

  describe('GET /tasks', () => {
    /** 5 pending 'work', 3 pending 'email' (queue mail), 1 completed, 1 failed, 1 cancelled. */
    async function populate(admin: AdminApp) {
      const work = [];
      for (let i = 0; i < 5; i += 1) work.push(await pendingTask(admin, 'work', { i }));
      const email = [];
      for (let i = 0; i < 3; i += 1) email.push(await pendingTask(admin, 'email', { i }));
      const completed = await completedTask(admin);
      const failed = await failedTask(admin);
      const cancelled = await pendingTask(admin);
      await admin.scheduler.cancelTask(cancelled);
      return { work, email, completed, failed, cancelled };
    }

    const list = async (admin: AdminApp, query: string) => {
      const response = await admin.http().get(`${ADMIN}/tasks${query}`).expect(200);
      return response.body as {
        tasks: { id: string; status: string; queue: string }[];
        total: number;
      };
    };

    it('pages through every task, total counting all matches rather than the page', async () => {
      const admin = await boot();
      const ids = await populate(admin);
      const all = await list(admin, '');
      expect(all.total).toBe(11);
      expect(all.tasks).toHaveLength(11);
      const first = await list(admin, '?limit=2');
      expect(first).toMatchObject({ total: 11 });
      expect(first.tasks).toHaveLength(2);
      const seen = new Set<string>();
      for (const offset of [0, 4, 8]) {
        const page = await list(admin, `?limit=4&offset=${offset}`);
        expect(page.total).toBe(11);
        expect(page.tasks).toHaveLength(offset === 8 ? 3 : 4);
        for (const task of page.tasks) seen.add(task.id);
      }
      const expected = [...ids.work, ...ids.email, ids.completed, ids.failed, ids.cancelled];
      expect([...seen].sort()).toEqual(expected.sort());
      expect(await list(admin, '?offset=50')).toEqual({ tasks: [], total: 11 });
    });

    it('filters by status (one or a comma list), queue and name', async () => {
      const admin = await boot();
      const ids = await populate(admin);
      const pending = await list(admin, '?status=pending');
      expect(pending.total).toBe(8);
      expect(pending.tasks.every((task) => task.status === 'pending')).toBe(true);
      const finishedOnes = await list(admin, '?status=failed,completed');
      expect(finishedOnes.tasks.map((task) => task.id).sort()).toEqual(
        [ids.failed, ids.completed].sort(),
      );
      expect((await list(admin, '?status=cancelled')).tasks.map((task) => task.id)).toEqual([
        ids.cancelled,
      ]);
      const mail = await list(admin, '?queue=mail');
      expect(mail.tasks.map((task) => task.id).sort()).toEqual([...ids.email].sort());
      expect((await list(admin, '?name=email')).total).toBe(3);
      expect((await list(admin, '?queue=mail&status=failed')).total).toBe(0);
      const page = await list(admin, '?name=work&status=pending&limit=2&offset=1');
      expect(page.total).toBe(5);
      expect(page.tasks).toHaveLength(2);
      expect((await list(admin, '?queue=nowhere')).total).toBe(0);
    });

    it('shows each task with the field names of TaskInfo and ISO dates', async () => {
      const admin = await boot();
      const id = await completedTask(admin);
      const { tasks } = await list(admin, '');
      expect(tasks).toEqual([asJson(await admin.scheduler.getTask(id))]);
      const task = tasks[0] as unknown as Record<string, unknown>;
      expect(Object.keys(task).sort()).toEqual(Object.keys(TASK_FIELDS).sort());
      for (const field of ['createdAt', 'scheduledAt', 'startedAt', 'completedAt']) {
        expect(task[field]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
    });

    it.each([
      ['status=done', 'status', [...TASK_STATUSES]],
      ['status=pending,nope', 'status', [...TASK_STATUSES]],
      ['limit=-1', 'limit', ['1..1000']],
      ['limit=abc', 'limit', ['1..1000']],
      ['limit=1001', 'limit', ['1..1000']],
      ['limit=0', 'limit', ['1..1000']],
      ['offset=-5', 'offset', ['0..']],
      ['offset=x', 'offset', ['0..']],
      ['offset=1.5', 'offset', ['0..']],
      ['sort=name', 'sort', ['status', 'queue', 'name', 'limit', 'offset']],
    ])('answers ?%s with 400 naming %s and its allowed values', async (query, field, allowed) => {
      const admin = await boot();
      const response = await admin.http().get(`${ADMIN}/tasks?${query}`).expect(400);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expectCsp(response);
      expect(response.body).toEqual({ error: expect.any(String), field, allowed });
    });
  });

  describe('GET /tasks/:id', () => {
    it('answers the task, and 404 with a JSON error for an unknown id', async () => {
      const admin = await boot();
      const id = await pendingTask(admin, 'email', { to: 'ada' });
      const response = await admin.http().get(`${ADMIN}/tasks/${id}`).expect(200);
      expect(response.body).toEqual(asJson(await admin.scheduler.getTask(id)));
      expect(response.body).toMatchObject({ id, name: 'email', queue: 'mail', status: 'pending' });
      const missing = await admin.http().get(`${ADMIN}/tasks/no-such-task`).expect(404);
      expect(missing.body).toEqual({ error: 'Task not found' });
      expectCsp(missing);
    });

    it('shows the attempt history of a task that failed, then was retried', async () => {
      const admin = await boot();
      const id = await failedTask(admin);
      admin.app.get(Outage).down = false;
      const completion = finished(admin, 'completed', () => id);
      await admin.http().post(`${ADMIN}/tasks/${id}/retry`).set(XHR).send({}).expect(200);
      await completion;
      const { body } = await admin.http().get(`${ADMIN}/tasks/${id}`).expect(200);
      expect(body).toMatchObject({ id, status: 'completed', attempts: 2, error: null });
      expect(body.attemptHistory).toEqual([
        {
          attempt: 1,
          startedAt: expect.stringMatching(/Z$/),
          finishedAt: expect.stringMatching(/Z$/),
          durationMs: expect.any(Number),
          error: 'service unavailable',
          nodeId: admin.scheduler.nodeId,
        },
        expect.objectContaining({ attempt: 2, error: null }),
      ]);
    });

    it('refuses an id over 512 characters, and one the scheduler cannot hold, without a 500', async () => {
      const admin = await boot();
      const long = await rawRequest(admin.url, 'GET', `${ADMIN}/tasks/${'x'.repeat(600)}`);
      // Fastify's router refuses a path parameter over its maxParamLength (100) before the API sees it.
      expect(long.status).toBe(platform === 'express' ? 400 : 414);
      if (platform === 'express') {
        expect(JSON.parse(long.text)).toEqual({
          error: 'The id must be 1 to 512 characters long.',
          field: 'id',
        });
      }
      for (const id of ['a%20b', 'a%2Fb', '%3Cscript%3E', 'x'.repeat(99) + '%21']) {
        const response = await rawRequest(admin.url, 'GET', `${ADMIN}/tasks/${id}`);
        expect([response.status, JSON.parse(response.text)]).toEqual([
          400,
          { error: expect.stringMatching(/^Invalid id: /), field: 'id' },
        ]);
      }
    });
  });

  describe('DELETE /tasks/:id', () => {
    it('cancels an unfinished task', async () => {
      const admin = await boot();
      const id = await pendingTask(admin);
      const response = await admin.http().delete(`${ADMIN}/tasks/${id}`).set(XHR).expect(200);
      expect(response.body).toEqual({ status: 'cancelled' });
      expectCsp(response);
      expect((await admin.scheduler.getTask(id))?.status).toBe('cancelled');
    });

    it('answers 409 with a message for a finished task, 404 for an unknown one', async () => {
      const admin = await boot();
      const completed = await completedTask(admin);
      const failed = await failedTask(admin);
      const cancelled = await pendingTask(admin);
      await admin.http().delete(`${ADMIN}/tasks/${cancelled}`).set(XHR).expect(200);
      for (const [id, status] of [
        [completed, 'completed'],
        [failed, 'failed'],
        [cancelled, 'cancelled'],
      ]) {
        const response = await admin.http().delete(`${ADMIN}/tasks/${id}`).set(XHR).expect(409);
        expect(response.body).toEqual({
          error: `Task is already ${status}; only unfinished tasks can be cancelled.`,
        });
        expect((await admin.scheduler.getTask(id!))?.status).toBe(status);
      }
      const missing = await admin.http().delete(`${ADMIN}/tasks/nope`).set(XHR).expect(404);
      expect(missing.body).toEqual({ error: 'Task not found' });
    });
  });

  describe('POST /tasks/:id/retry', () => {
    it('puts a failed or a cancelled task back in its queue', async () => {
      const admin = await boot();
      const failed = await failedTask(admin, 'reports');
      const cancelled = await pendingTask(admin, 'email');
      await admin.scheduler.cancelTask(cancelled);
      // Paused queues keep the retried tasks waiting, so their status can be read.
      await admin.scheduler.pauseQueue('reports');
      await admin.scheduler.pauseQueue('mail');
      for (const id of [failed, cancelled]) {
        const response = await admin
          .http()
          .post(`${ADMIN}/tasks/${id}/retry`)
          .set(XHR)
          .send({})
          .expect(200);
        expect(response.body).toEqual({ status: 'pending' });
        expectCsp(response);
        expect((await admin.scheduler.getTask(id))?.status).toBe('pending');
      }
    });

    it('answers 409 for a task that is neither failed nor cancelled, 404 for an unknown one', async () => {
      const admin = await boot();
      const pending = await pendingTask(admin);
      const completed = await completedTask(admin);
      for (const [id, status] of [
        [pending, 'pending'],
        [completed, 'completed'],
      ]) {
        const response = await admin
          .http()
          .post(`${ADMIN}/tasks/${id}/retry`)
          .set(XHR)
          .send({})
          .expect(409);
        expect(response.body).toEqual({
          error: `Task is ${status}; only failed or cancelled tasks can be retried.`,
        });
        expect((await admin.scheduler.getTask(id!))?.status).toBe(status);
      }
      const missing = await admin
        .http()
        .post(`${ADMIN}/tasks/nope/retry`)
        .set(XHR)
        .send({})
        .expect(404);
      expect(missing.body).toEqual({ error: 'Task not found' });
    });
  });

  describe('schedules', () => {
    async function withSchedules(admin: AdminApp) {
      await admin.scheduler.addRecurringJob(
        '1h',
        'work',
        { report: 'hourly', token: 't0ken', auth: { Authorization: 'Bearer x' } },
        { id: 'hourly' },
      );
      await admin.scheduler.addCronJob('0 3 * * *', 'email', { to: 'ops' }, { id: 'nightly' });
    }

    const schedule = async (admin: AdminApp, id: string) =>
      (await admin.scheduler.getSchedules()).find((s) => s.id === id);

    it('lists the schedules, their payloads redacted', async () => {
      const admin = await boot();
      await withSchedules(admin);
      const response = await admin.http().get(`${ADMIN}/schedules`).expect(200);
      expectCsp(response);
      const stored = asJson(await admin.scheduler.getSchedules()) as { id: string }[];
      const byId = (list: { id: string }[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
      expect(byId(response.body.schedules)).toEqual(
        byId(
          stored.map((s) =>
            s.id === 'hourly'
              ? {
                  ...s,
                  payload: {
                    report: 'hourly',
                    token: '[redacted]',
                    auth: { Authorization: '[redacted]' },
                  },
                }
              : s,
          ),
        ),
      );
      expect(JSON.stringify(response.body)).not.toMatch(/t0ken|Bearer/);
    });

    it('pauses, resumes, triggers and deletes a schedule', async () => {
      const admin = await boot();
      await withSchedules(admin);
      const post = (path: string) =>
        admin.http().post(`${ADMIN}/schedules/${path}`).set(XHR).send({}).expect(200);
      expect((await post('hourly/pause')).body).toEqual({ paused: true });
      expect((await schedule(admin, 'hourly'))?.paused).toBe(true);
      expect((await post('hourly/resume')).body).toEqual({ paused: false });
      expect((await schedule(admin, 'hourly'))?.paused).toBe(false);
      const { body } = await post('nightly/trigger');
      expect(body).toEqual({ taskId: expect.any(String) });
      expect(await admin.scheduler.getTask(body.taskId)).toMatchObject({
        name: 'email',
        scheduleId: 'nightly',
      });
      const removed = await admin.http().delete(`${ADMIN}/schedules/hourly`).set(XHR).expect(200);
      expect(removed.body).toEqual({ status: 'deleted' });
      expect(await schedule(admin, 'hourly')).toBeUndefined();
      expect(await schedule(admin, 'nightly')).toBeDefined();
    });

    it('answers 404 for an unknown schedule on every route', async () => {
      const admin = await boot();
      await withSchedules(admin);
      const requests = [
        admin.http().delete(`${ADMIN}/schedules/nope`).set(XHR),
        ...['pause', 'resume', 'trigger'].map((action) =>
          admin.http().post(`${ADMIN}/schedules/nope/${action}`).set(XHR).send({}),
        ),
      ];
      for (const pending of requests) {
        const response = await pending;
        expect([response.status, response.body]).toEqual([404, { error: 'Schedule not found' }]);
      }
      expect((await admin.scheduler.getSchedules()).map((s) => s.id).sort()).toEqual([
        'hourly',
        'nightly',
      ]);
    });
  });

  describe('queues', () => {
    it('lists the queues, and pauses and resumes one', async () => {
      const admin = await boot();
      const response = await admin.http().get(`${ADMIN}/queues`).expect(200);
      expectCsp(response);
      expect(response.body).toEqual({ queues: asJson(await admin.scheduler.getQueues()) });
      expect(response.body.queues.map((q: { name: string }) => q.name).sort()).toEqual([
        'default',
        'mail',
        'reports',
      ]);
      const paused = async () =>
        (await admin.scheduler.getQueues()).find((q) => q.name === 'mail')?.paused;
      const post = (path: string) =>
        admin.http().post(`${ADMIN}/queues/${path}`).set(XHR).send({}).expect(200);
      expect((await post('mail/pause')).body).toEqual({ paused: true });
      expect(await paused()).toBe(true);
      expect((await post('mail/resume')).body).toEqual({ paused: false });
      expect(await paused()).toBe(false);
    });

    it('answers 404 for an unknown queue', async () => {
      const admin = await boot();
      for (const action of ['pause', 'resume']) {
        const response = await admin
          .http()
          .post(`${ADMIN}/queues/nope/${action}`)
          .set(XHR)
          .send({})
          .expect(404);
        expect(response.body).toEqual({ error: 'Queue not found' });
      }
    });
  });

  describe('GET /history', () => {
    it('answers sixty minute buckets of finishes and the throughput per queue', async () => {
      const admin = await boot();
      await completedTask(admin);
      await failedTask(admin);
      const { body } = await admin.http().get(`${ADMIN}/history`).expect(200);
      expect(body.bucketMs).toBe(60_000);
      expect(body.buckets).toHaveLength(60);
      const times = body.buckets.map((b: { at: string }) => Date.parse(b.at));
      times.forEach((at: number, i: number) => i > 0 && expect(at - times[i - 1]).toBe(60_000));
      expect(Date.now() - times[59]).toBeLessThan(60_000 * 2);
      const sum = (field: 'completed' | 'failed') =>
        body.buckets.reduce((total: number, b: Record<string, number>) => total + b[field], 0);
      expect([sum('completed'), sum('failed')]).toEqual([1, 1]);
      expect(body.throughput).toEqual({ default: 0.4 });
    });
  });

  describe('the dashboard', () => {
    it('serves the page as HTML under a CSP without inline code or eval', async () => {
      const admin = await boot();
      const response = await admin.http().get(ADMIN).expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expectCsp(response);
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.text).toContain(`${ADMIN}/assets/dashboard.js`);
      expect(response.text).not.toContain('%PREFIX%');
    });

    it.each([
      ['dashboard.js', /^text\/javascript/],
      ['dashboard.css', /^text\/css/],
    ])('serves assets/%s with its content type', async (file, type) => {
      const admin = await boot();
      const response = await admin.http().get(`${ADMIN}/assets/${file}`).expect(200);
      expect(response.headers['content-type']).toMatch(type);
      expectCsp(response);
      expect(response.text.length).toBeGreaterThan(0);
    });
  });

  describe('unknown routes', () => {
    it('answer 404 under the prefix', async () => {
      const admin = await boot();
      await admin.http().get(`${ADMIN}/nope`).expect(404);
      await admin.http().get(`${ADMIN}/assets/other.js`).expect(404);
      await admin.http().post(`${ADMIN}/tasks`).set(XHR).send({}).expect(404);
      await admin.http().put(`${ADMIN}/queues/mail/pause`).set(XHR).send({}).expect(404);
    });
  });

  describe('mounting', () => {
    @Injectable()
    class AdminConfig {
      readonly path = 'ops/jobs';
    }

    @Module({ providers: [AdminConfig], exports: [AdminConfig] })
    class AdminConfigModule {}

    it('declares no route without the admin option', async () => {
      const admin = await boot({ scheduler: SchedulerModule.forRoot(BASE_OPTIONS) });
      await admin.http().get(`${ADMIN}/stats`).expect(404);
      await admin.http().get(ADMIN).expect(404);
    });

    it('with forRootAsync and admin off, every route answers 404', async () => {
      const admin = await boot({
        scheduler: SchedulerModule.forRootAsync({ useFactory: () => BASE_OPTIONS }),
      });
      const id = await pendingTask(admin);
      for (const path of ['', '/stats', '/tasks', `/tasks/${id}`, '/queues', '/events']) {
        const response = await admin.http().get(`${ADMIN}${path}`);
        expect([path, response.status]).toEqual([path, 404]);
      }
      await admin.http().delete(`${ADMIN}/tasks/${id}`).set(XHR).expect(404);
      expect((await admin.scheduler.getTask(id))?.status).toBe('pending');
    });

    it('with forRootAsync, serves under the path its factory gives', async () => {
      const admin = await boot({
        scheduler: SchedulerModule.forRootAsync({
          imports: [AdminConfigModule],
          inject: [AdminConfig],
          useFactory: (config: AdminConfig) => ({ ...BASE_OPTIONS, admin: { path: config.path } }),
        }),
      });
      const response = await admin.http().get('/ops/jobs/stats').expect(200);
      expect(response.body).toMatchObject({ total: 0 });
      const page = await admin.http().get('/ops/jobs').expect(200);
      expect(page.text).toContain('/ops/jobs/assets/dashboard.css');
      await admin.http().get(`${ADMIN}/stats`).expect(404);
      await admin.http().get(ADMIN).expect(404);
    });

    it('two applications in one process serve under their own paths', async () => {
      const first = await boot({ admin: { path: 'first' } });
      const second = await boot({ admin: { path: 'second' } });
      await first.http().get('/first/stats').expect(200);
      await first.http().get('/second/stats').expect(404);
      await second.http().get('/second/stats').expect(200);
      await second.http().get('/first/stats').expect(404);
    });
  });
});
