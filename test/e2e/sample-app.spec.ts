import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { SchedulerService, type SchedulerEvent, type TaskInfo } from 'nestjs-scheduler';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { AppModule } from '../../sample/app.module.js';
import { bootApp, closeApps, completionOf, nextEvents } from './nest-app.js';

/** The sample application, booted once (its handlers sleep up to ~200 ms of real time). */
let app: INestApplication;
let scheduler: SchedulerService;

/** The sample's default store, SQLite, in a file of its own. */
const dataDir = mkdtempSync(join(tmpdir(), 'sample-app-'));

beforeAll(async () => {
  process.env.SCHEDULER_DB = join(dataDir, 'scheduler.db');
  app = await bootApp({ imports: [AppModule] });
  scheduler = app.get(SchedulerService);
});

afterAll(async () => {
  await closeApps();
  delete process.env.SCHEDULER_DB;
  rmSync(dataDir, { recursive: true, force: true });
});

const email = { to: 'you@example.com', subject: 'Hi', body: 'Hello' };

describe('the sample application', () => {
  it('boots with its decorator schedules and the jobs it adds at startup', async () => {
    const schedules = await scheduler.getSchedules();
    expect(schedules.map((s) => [s.id, s.kind, s.taskName, s.queue]).sort()).toEqual([
      ['cleanup-logs', 'cron', 'cleanup-logs', 'default'],
      ['health-check', 'recurring', 'health-check', 'default'],
      ['minutely-report', 'cron', 'report', 'low_priority'],
      ['weekly-report', 'cron', 'report', 'low_priority'],
    ]);
    const { tasks } = await scheduler.getTasks({ limit: 1000 });
    expect(tasks.map((task) => `${task.name}@${task.queue}`).sort()).toEqual(
      expect.arrayContaining([
        'cleanup-logs@default',
        'email@high_priority',
        'email@high_priority',
        'report@low_priority',
      ]),
    );
  });

  it('POST /emails queues the email (201 with its id) and the email task completes', async () => {
    const body = { ...email, subject: `Hi ${Date.now()}` };
    const seen: SchedulerEvent[] = [];
    const subscription = scheduler.events$.subscribe((event) => seen.push(event));
    const response = await request(app.getHttpServer()).post('/emails').send(body).expect(201);
    expect(response.body).toEqual({ id: expect.any(String) });
    const { id } = response.body as { id: string };
    const isDone = (event: SchedulerEvent) => event.type === 'completed' && event.task.id === id;
    const event = seen.find(isDone) ?? (await nextEvents(scheduler, isDone, 1, 5_000))[0];
    subscription.unsubscribe();
    expect(event).toMatchObject({ task: { id, status: 'completed', payload: body } });
  });

  it('POST /emails twice while the email is unsent queues it once (same id)', async () => {
    const body = { ...email, subject: 'Only once' };
    await scheduler.pauseQueue('high_priority');
    try {
      const server = app.getHttpServer();
      const first = await request(server).post('/emails').send(body).expect(201);
      const second = await request(server).post('/emails').send(body).expect(201);
      expect(second.body).toEqual(first.body);
      const { tasks } = await scheduler.getTasks({ name: 'email', limit: 1000 });
      expect(tasks.filter((task) => (task.payload as typeof body).subject === 'Only once')).toEqual(
        [expect.objectContaining({ id: (first.body as { id: string }).id, status: 'pending' })],
      );
    } finally {
      await scheduler.resumeQueue('high_priority');
    }
  });

  it('POST /emails answers 400 with a message for an invalid body, and queues nothing', async () => {
    const before = (await scheduler.getTasks({ name: 'email' })).total;
    const server = app.getHttpServer();
    const cases: [object | string, string][] = [
      [{ subject: 'Hi', body: 'Hello' }, 'to must be a non-empty string'],
      [{ ...email, subject: '' }, 'subject must be a non-empty string'],
      [{ ...email, body: 42 }, 'body must be a non-empty string'],
      [{ ...email, to: 'x'.repeat(10_001) }, 'to must be a non-empty string'],
      [[email], 'to must be a non-empty string'],
    ];
    for (const [body, message] of cases) {
      const response = await request(server).post('/emails').send(body).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, message });
    }
    const text = await request(server)
      .post('/emails')
      .set('content-type', 'text/plain')
      .send('to=you@example.com')
      .expect(400);
    expect(text.body).toMatchObject({ message: 'to must be a non-empty string' });
    const malformed = await request(server)
      .post('/emails')
      .set('content-type', 'application/json')
      .send('{"to": ')
      .expect(400);
    expect(malformed.body).toMatchObject({ statusCode: 400 });
    expect((await scheduler.getTasks({ name: 'email' })).total).toBe(before);
  });

  it('GET /tasks/:id returns the task, with ISO dates and its attempts', async () => {
    const id = await scheduler.enqueue('email', { ...email, subject: 'lookup' });
    await completionOf(scheduler, id);
    const response = await request(app.getHttpServer())
      .get(`/tasks/${encodeURIComponent(id)}`)
      .expect(200);
    const task = response.body as Record<keyof TaskInfo, unknown>;
    expect(task).toMatchObject({
      id,
      name: 'email',
      queue: 'high_priority',
      status: 'completed',
      payload: { ...email, subject: 'lookup' },
      attempts: 1,
      maxRetries: 3,
      error: null,
      nodeId: scheduler.nodeId,
    });
    expect(new Date(task.completedAt as string).toISOString()).toBe(task.completedAt);
    expect(task.attemptHistory).toMatchObject([{ attempt: 1, error: null }]);
  });

  it('GET /tasks/:id answers 404 for an unknown or malformed id', async () => {
    const server = app.getHttpServer();
    const unknown = await request(server).get('/tasks/no-such-task').expect(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, message: 'Task not found' });
    await request(server)
      .get(`/tasks/${'x'.repeat(5_000)}`)
      .expect(404);
  });

  it('GET /stats returns the counts by status and by queue', async () => {
    const id = await scheduler.enqueue('email', { ...email, subject: 'stats' });
    await completionOf(scheduler, id);
    const response = await request(app.getHttpServer()).get('/stats').expect(200);
    const stats = response.body as Awaited<ReturnType<SchedulerService['getStats']>>;
    expect(stats).toMatchObject({
      pending: expect.any(Number),
      running: expect.any(Number),
      completed: expect.any(Number),
      failed: 0,
      nodeId: scheduler.nodeId,
    });
    expect(stats.completed).toBeGreaterThanOrEqual(1);
    expect(stats.total).toBe(
      stats.pending +
        stats.running +
        stats.completed +
        stats.failed +
        stats.retrying +
        stats.cancelled,
    );
    expect(Object.keys(stats.queues).sort()).toEqual(['default', 'high_priority', 'low_priority']);
    expect(stats.queues.high_priority).toMatchObject({ workers: 5, maxSize: 100, paused: false });
    expect(stats.queues.high_priority!.completed).toBeGreaterThanOrEqual(1);
  });
});
