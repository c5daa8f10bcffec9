/**
 * The event stream (`GET /events`) and payload redaction across every
 * route that shows a payload, on Express and on Fastify.
 */
import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { nextEvents } from '../nest-app.js';
import {
  ADMIN,
  PLATFORMS,
  bootAdminApp,
  closeAdminApps,
  closeEventStreams,
  openEventStream,
  type AdminApp,
} from './admin-app.js';

afterEach(async () => {
  closeEventStreams();
  await closeAdminApps();
});

interface StreamedEvent {
  type: string;
  queue?: string;
  at?: string;
  task?: { id: string; status: string; payload: unknown };
}

const about = (events: unknown[], id: string) =>
  (events as StreamedEvent[]).filter((event) => event.task?.id === id);

/** A payload with secrets under the default names, at several depths and in several cases. */
const SECRET_PAYLOAD = {
  to: 'ada@example.com',
  Password: 'pw-1',
  nested: { token: 'tk-2', keep: 'visible', list: [{ AUTHORIZATION: 'Bearer au-3' }, 'plain'] },
  API_TOKEN: 'api-token-stays',
  apiKey: 'key-4',
};

const DEFAULT_REDACTED = {
  to: 'ada@example.com',
  Password: '[redacted]',
  nested: {
    token: '[redacted]',
    keep: 'visible',
    list: [{ AUTHORIZATION: '[redacted]' }, 'plain'],
  },
  API_TOKEN: 'api-token-stays',
  apiKey: 'key-4',
};

/** Runs a task with `payload` to completion and resolves to its id. */
async function runTask(admin: AdminApp, payload: unknown): Promise<string> {
  let id = '';
  const completed = nextEvents(
    admin.scheduler,
    (event) => event.type === 'completed' && event.task.id === id,
  );
  id = await admin.scheduler.enqueue('work', payload);
  await completed;
  return id;
}

describe.each(PLATFORMS)('admin events and redaction on %s', (platform) => {
  describe('GET /events', () => {
    it('streams the lifecycle of a task as JSON events, its payload redacted', async () => {
      const admin = await bootAdminApp(platform);
      const stream = await openEventStream(admin.url, `${ADMIN}/events`);
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(stream.headers['content-security-policy']).toContain("default-src 'none'");
      const id = await admin.scheduler.enqueue('work', SECRET_PAYLOAD);
      await stream.until((events) => about(events, id).some((e) => e.type === 'completed'));
      const trail = about(stream.events, id);
      expect(trail.map((event) => event.type)).toEqual(['added', 'started', 'completed']);
      for (const event of trail) {
        expect(event).toEqual({
          type: event.type,
          queue: 'default',
          at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          task: expect.objectContaining({ id, name: 'work', payload: DEFAULT_REDACTED }),
        });
      }
      expect(trail.at(-1)?.task?.status).toBe('completed');
      expect(stream.text()).not.toMatch(/pw-1|tk-2|au-3/);
    });

    it('streams to several clients at once, and goes on after one leaves', async () => {
      const admin = await bootAdminApp(platform);
      const first = await openEventStream(admin.url, `${ADMIN}/events`);
      const second = await openEventStream(admin.url, `${ADMIN}/events`);
      const one = await runTask(admin, { n: 1 });
      await first.until((events) => about(events, one).length === 3);
      await second.until((events) => about(events, one).length === 3);
      first.close();
      const two = await runTask(admin, { n: 2 });
      await second.until((events) => about(events, two).some((e) => e.type === 'completed'));
      expect(about(first.events, two)).toEqual([]);
    });

    it.each(['evil.example', 'evil.example:3000', '127.0.0.1.evil.example'])(
      'refuses the stream with 403 for Host %s',
      async (host) => {
        const admin = await bootAdminApp(platform);
        const stream = await openEventStream(admin.url, `${ADMIN}/events`, { host });
        expect(stream.status).toBe(403);
        expect(stream.headers['content-type']).toMatch(/^application\/json/);
        expect(JSON.parse(stream.text())).toEqual({
          error: 'The scheduler admin API only answers requests addressed to localhost.',
        });
      },
    );

    it('refuses the stream to a remote caller', async () => {
      const admin = await bootAdminApp(platform, { admin: { trustProxy: true } });
      const stream = await openEventStream(admin.url, `${ADMIN}/events`, {
        'x-forwarded-for': '203.0.113.7',
      });
      expect(stream.status).toBe(403);
    });
  });

  describe('redaction', () => {
    it('hides the default keys in /tasks, /tasks/:id, /schedules and /events', async () => {
      const admin = await bootAdminApp(platform);
      const stream = await openEventStream(admin.url, `${ADMIN}/events`);
      const id = await runTask(admin, SECRET_PAYLOAD);
      await admin.scheduler.addRecurringJob('1h', 'work', SECRET_PAYLOAD, { id: 'hourly' });
      await stream.until((events) => about(events, id).length === 3);
      const list = await admin.http().get(`${ADMIN}/tasks`).expect(200);
      const detail = await admin.http().get(`${ADMIN}/tasks/${id}`).expect(200);
      const schedules = await admin.http().get(`${ADMIN}/schedules`).expect(200);
      expect(list.body.tasks[0].payload).toEqual(DEFAULT_REDACTED);
      expect(detail.body.payload).toEqual(DEFAULT_REDACTED);
      expect(schedules.body.schedules[0].payload).toEqual(DEFAULT_REDACTED);
      for (const text of [list.text, detail.text, schedules.text, stream.text()]) {
        expect(text).not.toMatch(/pw-1|tk-2|au-3/);
      }
      // The stored payload is untouched: the handler gets its secrets.
      expect((await admin.scheduler.getTask(id))?.payload).toEqual(SECRET_PAYLOAD);
    });

    it('with custom keys, hides those instead of the defaults', async () => {
      const admin = await bootAdminApp(platform, { admin: { redact: ['apiKey', 'api_token'] } });
      const stream = await openEventStream(admin.url, `${ADMIN}/events`);
      const id = await runTask(admin, SECRET_PAYLOAD);
      await stream.until((events) => about(events, id).length === 3);
      const expected = { ...SECRET_PAYLOAD, API_TOKEN: '[redacted]', apiKey: '[redacted]' };
      const detail = await admin.http().get(`${ADMIN}/tasks/${id}`).expect(200);
      expect(detail.body.payload).toEqual(expected);
      expect(about(stream.events, id).map((event) => event.task?.payload)).toEqual([
        expected,
        expected,
        expected,
      ]);
    });
  });
});
