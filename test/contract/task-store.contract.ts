/**
 * The TaskStore contract: every store (memory, SQLite, PostgreSQL, MySQL)
 * runs exactly this suite through {@link describeTaskStoreContract}. It uses
 * the interface only, never a store's internals, and each test gets a fresh,
 * empty store from the factory.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  FINISHED_STATUSES,
  MAX_ATTEMPT_HISTORY,
  TASK_STATUSES,
  type AttemptRecord,
  type TaskRecord,
  type TaskStatus,
} from '../../lib/core/types.js';
import type {
  ClaimRequest,
  ClaimResult,
  InsertMode,
  InsertResult,
  TaskCount,
  TaskStore,
  TaskUpdate,
} from '../../lib/store/task-store.js';
import { T0, attemptRecord, insertRequest, scheduleRecord, taskRecord } from './fixtures.js';
import { seededRandom } from '../utils/seeded-random.js';
import { ReferenceStore, sortCounts } from './reference-store.js';

/** What a factory hands the suite: an unopened store over fresh, empty storage. */
export interface TaskStoreFixture {
  store: TaskStore;
  /** Drops what the store left behind (its schema or table prefix); runs after `close()`. */
  cleanup(): Promise<void>;
  /** Durable stores only: a new, unopened store over the same storage. */
  reopen?(): Promise<TaskStore>;
}

export interface TaskStoreContractOptions {
  /** The store keeps its data across close and open (every SQL store). */
  durable?: boolean;
}

const HOUR = 3_600_000;
const NAMES: ReadonlySet<string> = new Set(['job', 'a', 'b', 'c']);

/** Declares the whole contract suite for one store. */
export function describeTaskStoreContract(
  name: string,
  factory: () => Promise<TaskStoreFixture>,
  options: TaskStoreContractOptions = {},
): void {
  describe(`TaskStore contract: ${name}`, () => {
    let fixture: TaskStoreFixture;
    let store: TaskStore;
    let open: TaskStore | null;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      await store.open();
      open = store;
    });

    afterEach(async () => {
      if (open !== null) await open.close();
      await fixture.cleanup();
    });

    // Helpers: they reach the store through the interface only.

    const insert = async (
      tasks: readonly TaskRecord[],
      mode: InsertMode = 'unless-active',
      capacity: Readonly<Record<string, number>> = {},
    ): Promise<InsertResult> => {
      const results = await store.insertTasks([insertRequest(tasks, mode, capacity)]);
      expect(results).toHaveLength(1);
      return results[0]!;
    };

    /** Inserts new tasks and checks that every one was inserted. */
    const add = async (...tasks: TaskRecord[]): Promise<void> => {
      expect(await insert(tasks)).toEqual({ ok: true, outcomes: tasks.map(() => INSERTED) });
    };

    const claim = (request: Partial<ClaimRequest> = {}): Promise<ClaimResult> =>
      store.claimDue({
        queue: 'default',
        limit: 100,
        now: T0,
        owner: 'node-a',
        leaseMs: 1_000,
        names: NAMES,
        ...request,
      });

    const ids = idsOf;

    const get = async (id: string): Promise<TaskRecord> => {
      const task = await store.getTask(id);
      if (task === null) throw new Error(`task ${id} is missing`);
      return task;
    };

    const update = async (change: TaskUpdate): Promise<boolean> => {
      const results = await store.updateTasks([change]);
      expect(results).toHaveLength(1);
      return results[0]!;
    };

    const counts = async (): Promise<TaskCount[]> => sortCounts(await store.countTasks());

    const countsOf = (...rows: [string, string, TaskStatus, number][]): TaskCount[] =>
      sortCounts(rows.map(([queue, name, status, count]) => ({ queue, name, status, count })));

    /** Every task, newest first. */
    const everything = async (): Promise<TaskRecord[]> =>
      (await store.listTasks({ limit: 10_000, offset: 0 })).tasks;

    interface SeedOptions {
      /** When the task is claimed and finished; it is due by then. */
      at?: number;
      /** completedAt of a finished task; `at + 10` if not given. */
      completedAt?: number;
      /** scheduledAt of a retrying task; an hour after `at` if not given. */
      retryAt?: number;
      owner?: string;
    }

    /**
     * Brings a new task into `status` the way the engine does: insert, claim,
     * then a fenced update. The task must be the most urgent due task of its
     * queue and name when it is claimed, so seed before adding waiting tasks.
     */
    const seed = async (
      status: TaskStatus,
      overrides: Partial<TaskRecord> = {},
      seedOptions: SeedOptions = {},
    ): Promise<TaskRecord> => {
      const at = seedOptions.at ?? T0;
      const owner = seedOptions.owner ?? 'node-a';
      const completedAt = seedOptions.completedAt ?? at + 10;
      const record = taskRecord({ scheduledAt: Math.min(at, T0), ...overrides, status: 'pending' });
      await add(record);
      if (status === 'pending') return get(record.id);
      if (status === 'cancelled') {
        const cancelled = await update({
          id: record.id,
          expect: { statuses: ['pending'] },
          set: { status: 'cancelled', completedAt },
        });
        expect(cancelled).toBe(true);
        return get(record.id);
      }
      const claimed = await claim({
        queue: record.queue,
        names: new Set([record.name]),
        limit: 1,
        now: at,
        owner,
      });
      expect(ids(claimed.tasks)).toEqual([record.id]);
      if (status === 'running') return get(record.id);
      const attempt = claimed.tasks[0]!.attempts;
      const finishedAttempt = attemptRecord({
        attempt,
        startedAt: at,
        finishedAt: completedAt,
        durationMs: completedAt - at,
        error: status === 'completed' ? null : 'boom',
        nodeId: owner,
      });
      const set: TaskUpdate['set'] =
        status === 'retrying'
          ? { status, scheduledAt: seedOptions.retryAt ?? at + HOUR, error: 'boom', retryCount: 1 }
          : { status, completedAt, error: status === 'completed' ? null : 'boom' };
      const applied = await update({
        id: record.id,
        expect: { statuses: ['running'], owner, attempt },
        set: { ...set, lockedBy: null, lockedUntil: null },
        appendAttempt: finishedAttempt,
      });
      expect(applied).toBe(true);
      return get(record.id);
    };

    describe('open and close', () => {
      it('opens empty', async () => {
        expect(await store.listTasks({ limit: 100, offset: 0 })).toEqual({ tasks: [], total: 0 });
        expect(await store.countTasks()).toEqual([]);
        expect(await store.listSchedules()).toEqual([]);
        expect(await store.getTask('nothing')).toBeNull();
        expect(await claim()).toEqual({ tasks: [], nextDueAt: null });
        expect(await store.findExpiredLeases(T0 + HOUR, 100)).toEqual([]);
        expect(
          await store.prune({ finishedBefore: T0 + HOUR, keepNewest: 0, batchSize: 100 }),
        ).toBe(0);
      });

      it('closes once every write has resolved', async () => {
        const record = taskRecord();
        await add(record);
        await store.saveSchedule(scheduleRecord());
        await store.close();
        open = null;
      });

      if (options.durable === true) {
        it('keeps tasks and schedules across close and open', async () => {
          const waiting = taskRecord({ scheduledAt: T0 + HOUR });
          const schedule = scheduleRecord();
          await add(waiting);
          const done = await seed('completed');
          await store.saveSchedule(schedule);
          await store.close();
          open = null;
          if (fixture.reopen === undefined)
            throw new Error('a durable fixture must offer reopen()');
          store = await fixture.reopen();
          await store.open();
          open = store;
          expect(await store.getTask(waiting.id)).toEqual(waiting);
          expect(await store.getTask(done.id)).toEqual(done);
          expect(await store.listSchedules()).toEqual([schedule]);
          expect(await claim({ now: T0 + HOUR })).toMatchObject({
            tasks: [{ id: waiting.id, status: 'running', attempts: 1 }],
            nextDueAt: null,
          });
        });
      }
    });

    describe('insertTasks', () => {
      it('stores every field exactly as given', async () => {
        const record = taskRecord({
          id: 'round-trip',
          name: 'a',
          queue: 'round',
          payload:
            '{ "text": "héllo wörld 🌍 \\"quoted\\"",\n  "n": [1, 2.5, null], "deep": {"ok": true} }',
          priority: -3,
          scheduleId: 'schedule-9',
          createdAt: T0 - 5,
          scheduledAt: Date.parse('2100-01-01T00:00:00.000Z'),
          startedAt: T0 - 1_000,
          error: 'earlier failure ✗',
          attempts: 2,
          retryCount: 1,
          maxRetries: 5,
          timeoutMs: 30_000,
          nodeId: 'node-z',
          history: [
            attemptRecord({ attempt: 1, error: 'first ✗' }),
            attemptRecord({ attempt: 2, startedAt: T0 + 20, finishedAt: T0 + 45, nodeId: null }),
          ],
        });
        await add(record);
        expect(await store.getTask(record.id)).toEqual(record);
      });

      it('answers each request in order, with one outcome per task in order', async () => {
        const existing = taskRecord();
        await add(existing);
        const fresh = [taskRecord(), taskRecord(), taskRecord()];
        const results = await store.insertTasks([
          insertRequest([fresh[0]!, existing]),
          insertRequest([]),
          insertRequest([fresh[1]!, fresh[2]!], 'once'),
        ]);
        expect(results).toEqual([
          { ok: true, outcomes: [INSERTED, { inserted: false, existing }] },
          { ok: true, outcomes: [] },
          { ok: true, outcomes: [INSERTED, INSERTED] },
        ]);
        for (const task of fresh) expect(await store.getTask(task.id)).toEqual(task);
      });

      it('resolves an empty call to no results', async () => {
        expect(await store.insertTasks([])).toEqual([]);
      });

      describe("mode 'unless-active'", () => {
        for (const status of ['pending', 'running', 'retrying'] as const) {
          it(`keeps an existing ${status} task and reports it`, async () => {
            const existing = await seed(status);
            const replacement = taskRecord({ id: existing.id, payload: '{"new":true}' });
            expect(await insert([replacement])).toEqual({
              ok: true,
              outcomes: [{ inserted: false, existing }],
            });
            expect(await store.getTask(existing.id)).toEqual(existing);
            expect(await counts()).toEqual(countsOf(['default', 'job', status, 1]));
          });
        }

        for (const status of ['completed', 'failed', 'cancelled'] as const) {
          it(`replaces an existing ${status} task with the new record`, async () => {
            const finished = await seed(status);
            const replacement = taskRecord({
              id: finished.id,
              name: 'a',
              payload: '{"new":true}',
              createdAt: T0 + 500,
              scheduledAt: T0 + 500,
            });
            expect(await insert([replacement])).toEqual({ ok: true, outcomes: [INSERTED] });
            expect(await store.getTask(finished.id)).toEqual(replacement);
            expect(await counts()).toEqual(countsOf(['default', 'a', 'pending', 1]));
            expect(await store.listTasks({ limit: 10, offset: 0 })).toEqual({
              tasks: [replacement],
              total: 1,
            });
            const claimed = await claim({ now: T0 + 500 });
            expect(claimed.tasks).toMatchObject([{ id: finished.id, attempts: 1, history: [] }]);
          });
        }
      });

      describe("mode 'once'", () => {
        for (const status of TASK_STATUSES) {
          it(`keeps an existing ${status} task and reports it`, async () => {
            const existing = await seed(status);
            const again = taskRecord({ id: existing.id, payload: '{"again":true}' });
            expect(await insert([again], 'once')).toEqual({
              ok: true,
              outcomes: [{ inserted: false, existing }],
            });
            expect(await store.getTask(existing.id)).toEqual(existing);
          });
        }

        it('inserts an id that does not exist', async () => {
          const record = taskRecord();
          expect(await insert([record], 'once')).toEqual({ ok: true, outcomes: [INSERTED] });
          expect(await store.getTask(record.id)).toEqual(record);
        });
      });

      for (const mode of ['unless-active', 'once'] as const) {
        it(`lets the first of one id twice in a request win (${mode})`, async () => {
          const first = taskRecord({ payload: '{"n":1}' });
          const second = taskRecord({ id: first.id, payload: '{"n":2}', priority: 9 });
          const other = taskRecord();
          expect(await insert([first, other, second], mode)).toEqual({
            ok: true,
            outcomes: [INSERTED, INSERTED, { inserted: false, existing: first }],
          });
          expect(await store.getTask(first.id)).toEqual(first);
          expect(await counts()).toEqual(countsOf(['default', 'job', 'pending', 2]));
        });
      }

      it('lets a later request of the same call see the tasks of an earlier one', async () => {
        const first = taskRecord();
        const second = taskRecord({ id: first.id, payload: '{"later":true}' });
        expect(
          await store.insertTasks([insertRequest([first]), insertRequest([second], 'once')]),
        ).toEqual([
          { ok: true, outcomes: [INSERTED] },
          { ok: true, outcomes: [{ inserted: false, existing: first }] },
        ]);
      });

      describe('capacity', () => {
        const inQueue = (queue: string, overrides: Partial<TaskRecord> = {}): TaskRecord =>
          taskRecord({ queue, ...overrides });

        it('accepts a request that fills a queue exactly', async () => {
          await add(inQueue('q'), inQueue('q'));
          expect(await insert([inQueue('q')], 'unless-active', { q: 3 })).toEqual({
            ok: true,
            outcomes: [INSERTED],
          });
        });

        it('refuses a whole request that would overflow a queue, and inserts none of it', async () => {
          await add(inQueue('q'), inQueue('q'));
          const before = await everything();
          const refused = [inQueue('q'), inQueue('q')];
          expect(await insert(refused, 'unless-active', { q: 3 })).toEqual({
            ok: false,
            queueFull: { queue: 'q', maxSize: 3, waiting: 2 },
          });
          for (const task of refused) expect(await store.getTask(task.id)).toBeNull();
          expect(await everything()).toEqual(before);
          expect(await counts()).toEqual(countsOf(['q', 'job', 'pending', 2]));
        });

        it('refuses a request whose tasks fit in one queue but overflow another', async () => {
          await add(inQueue('small'));
          const fits = inQueue('big');
          const overflows = inQueue('small');
          expect(await insert([fits, overflows], 'once', { big: 10, small: 1 })).toEqual({
            ok: false,
            queueFull: { queue: 'small', maxSize: 1, waiting: 1 },
          });
          expect(await store.getTask(fits.id)).toBeNull();
        });

        it('refuses any waiting task of a queue with capacity 0', async () => {
          expect(await insert([inQueue('closed')], 'unless-active', { closed: 0 })).toEqual({
            ok: false,
            queueFull: { queue: 'closed', maxSize: 0, waiting: 0 },
          });
        });

        it('counts pending and retrying tasks, not running or finished ones', async () => {
          await seed('running', { queue: 'q' });
          await seed('completed', { queue: 'q' });
          await seed('failed', { queue: 'q' });
          await seed('cancelled', { queue: 'q' });
          await seed('retrying', { queue: 'q' });
          await seed('pending', { queue: 'q' });
          expect(await insert([inQueue('q')], 'unless-active', { q: 3 })).toEqual({
            ok: true,
            outcomes: [INSERTED],
          });
          expect(await insert([inQueue('q')], 'unless-active', { q: 3 })).toEqual({
            ok: false,
            queueFull: { queue: 'q', maxSize: 3, waiting: 3 },
          });
        });

        it('counts only waiting tasks of the queue itself', async () => {
          await add(inQueue('other'), inQueue('other'), inQueue('other'));
          expect(await insert([inQueue('q')], 'unless-active', { q: 1 })).toEqual({
            ok: true,
            outcomes: [INSERTED],
          });
        });

        it('does not count tasks that already exist', async () => {
          const active = inQueue('q');
          const finished = await seed('completed', { queue: 'q' });
          await add(active);
          expect(await insert([active], 'unless-active', { q: 1 })).toEqual({
            ok: true,
            outcomes: [{ inserted: false, existing: active }],
          });
          expect(await insert([active, finished], 'once', { q: 1 })).toEqual({
            ok: true,
            outcomes: [
              { inserted: false, existing: active },
              { inserted: false, existing: finished },
            ],
          });
          expect(await insert([active, inQueue('q')], 'unless-active', { q: 2 })).toEqual({
            ok: true,
            outcomes: [{ inserted: false, existing: active }, INSERTED],
          });
        });

        it('counts the waiting task that replaces a finished one', async () => {
          await add(inQueue('q'));
          const finished = await seed('completed', { queue: 'q', name: 'a' });
          const replacement = inQueue('q', { id: finished.id });
          expect(await insert([replacement], 'unless-active', { q: 1 })).toEqual({
            ok: false,
            queueFull: { queue: 'q', maxSize: 1, waiting: 1 },
          });
          expect(await store.getTask(finished.id)).toEqual(finished);
        });

        it('counts a repeated id of one request once', async () => {
          const task = inQueue('q');
          expect(await insert([task, { ...task }], 'unless-active', { q: 1 })).toEqual({
            ok: true,
            outcomes: [INSERTED, { inserted: false, existing: task }],
          });
        });

        it('does not count inserted tasks that are not waiting', async () => {
          await add(inQueue('q'));
          const done = inQueue('q', { status: 'completed', completedAt: T0 + 5, attempts: 1 });
          expect(await insert([done], 'unless-active', { q: 1 })).toEqual({
            ok: true,
            outcomes: [INSERTED],
          });
          expect(await store.getTask(done.id)).toEqual(done);
        });

        it('treats a queue missing from capacity as unbounded', async () => {
          await add(inQueue('q'), inQueue('q'));
          expect(await insert([inQueue('q')], 'unless-active', { other: 0 })).toEqual({
            ok: true,
            outcomes: [INSERTED],
          });
        });

        it('answers the requests of one call independently, in order', async () => {
          const q1 = [inQueue('q1'), inQueue('q1')];
          const q2 = inQueue('q2');
          const last = inQueue('q1');
          const results = await store.insertTasks([
            insertRequest(q1, 'unless-active', { q1: 2 }),
            insertRequest([inQueue('q1')], 'unless-active', { q1: 2 }),
            insertRequest([q2], 'unless-active', { q2: 1 }),
            insertRequest([last], 'unless-active', { q1: 3 }),
          ]);
          expect(results).toEqual([
            { ok: true, outcomes: [INSERTED, INSERTED] },
            { ok: false, queueFull: { queue: 'q1', maxSize: 2, waiting: 2 } },
            { ok: true, outcomes: [INSERTED] },
            { ok: true, outcomes: [INSERTED] },
          ]);
          expect(await counts()).toEqual(
            countsOf(['q1', 'job', 'pending', 3], ['q2', 'job', 'pending', 1]),
          );
        });
      });
    });

    describe('records are copies', () => {
      it('is not changed by later changes to an inserted record', async () => {
        const record = taskRecord({ payload: '{"a":1}' });
        const kept = { ...record };
        await add(record);
        Object.assign(record, { status: 'failed', payload: 'changed', priority: 7, attempts: 3 });
        record.history = [attemptRecord()];
        expect(await store.getTask(kept.id)).toEqual(kept);
      });

      it('is not changed by changes to the records it returned', async () => {
        const record = taskRecord();
        await add(record);
        const scramble = (task: TaskRecord): void => {
          Object.assign(task, { status: 'failed', payload: 'x', queue: 'zzz', scheduledAt: 0 });
          task.history = [attemptRecord()];
        };

        scramble((await store.getTask(record.id))!);
        scramble((await store.listTasks({ limit: 10, offset: 0 })).tasks[0]!);
        const outcome = (await insert([record]))!;
        if (!outcome.ok || outcome.outcomes[0]!.inserted) throw new Error('expected existing');
        scramble(outcome.outcomes[0]!.existing);
        expect(await store.getTask(record.id)).toEqual(record);

        const claimed = (await claim({ leaseMs: 10 })).tasks[0]!;
        const afterClaim = { ...claimed };
        scramble(claimed);
        scramble((await store.findExpiredLeases(T0 + 100, 10))[0]!);
        expect(await store.getTask(record.id)).toEqual(afterClaim);
      });

      it('is not changed by later changes to an update', async () => {
        const record = taskRecord();
        await add(record);
        const change: TaskUpdate = {
          id: record.id,
          expect: { statuses: ['pending'] },
          set: { scheduledAt: T0 + 50 },
        };
        expect(await update(change)).toBe(true);
        change.set.scheduledAt = T0 + 9_999;
        change.set.status = 'failed';
        expect(await store.getTask(record.id)).toEqual({ ...record, scheduledAt: T0 + 50 });
      });

      it('keeps its own copies of schedules', async () => {
        const schedule = scheduleRecord();
        const kept = { ...schedule };
        await store.saveSchedule(schedule);
        schedule.paused = true;
        schedule.nextFireAt = 0;
        const listed = (await store.listSchedules())[0]!;
        listed.paused = true;
        listed.taskName = 'changed';
        expect(await store.listSchedules()).toEqual([kept]);
      });
    });

    describe('claimDue', () => {
      it('claims only tasks due by now', async () => {
        const early = taskRecord({ scheduledAt: T0 - 10 });
        const onTime = taskRecord({ scheduledAt: T0 });
        const later = taskRecord({ scheduledAt: T0 + 1 });
        await add(later, onTime, early);
        const result = await claim({ now: T0 });
        expect(ids(result.tasks)).toEqual([early.id, onTime.id]);
        expect(result.nextDueAt).toBe(T0 + 1);
        expect((await get(later.id)).status).toBe('pending');
      });

      it('compares due times with the request’s now only, not with creation time', async () => {
        const task = taskRecord({ createdAt: T0 + 1_000, scheduledAt: T0 + 1_000 });
        await add(task);
        expect(await claim({ now: T0 + 999 })).toEqual({ tasks: [], nextDueAt: T0 + 1_000 });
        expect(ids((await claim({ now: T0 + 1_000 })).tasks)).toEqual([task.id]);
      });

      it('does not claim early when now is earlier than a previous claim’s (the clock stepped back)', async () => {
        const soon = taskRecord({ scheduledAt: T0 + 500 });
        const blocker = taskRecord({ name: 'b', scheduledAt: T0 });
        await add(soon, blocker);
        expect(await claim({ now: T0 + 600, limit: 0 })).toEqual({
          tasks: [],
          nextDueAt: T0 + 600,
        });
        expect(await claim({ now: T0 + 100, names: new Set(['b']), limit: 0 })).toEqual({
          tasks: [],
          nextDueAt: T0 + 100,
        });
        expect(await claim({ now: T0 + 100 })).toEqual({
          tasks: [expect.objectContaining({ id: blocker.id })],
          nextDueAt: T0 + 500,
        });
        expect(ids((await claim({ now: T0 + 500 })).tasks)).toEqual([soon.id]);
      });

      it('claims only from the named queue', async () => {
        const mine = taskRecord({ queue: 'mine' });
        const theirs = taskRecord({ queue: 'theirs', priority: 10 });
        await add(theirs, mine);
        const result = await claim({ queue: 'mine' });
        expect(result).toEqual({
          tasks: [expect.objectContaining({ id: mine.id })],
          nextDueAt: null,
        });
        expect((await get(theirs.id)).status).toBe('pending');
        expect(await claim({ queue: 'nobody' })).toEqual({ tasks: [], nextDueAt: null });
      });

      it('claims only tasks whose name is given; the others wait and are not lost', async () => {
        const a1 = taskRecord({ name: 'a', priority: 1 });
        const b1 = taskRecord({ name: 'b', priority: 5 });
        const a2 = taskRecord({ name: 'a' });
        const b2 = taskRecord({ name: 'b', scheduledAt: T0 - 5 });
        const c = taskRecord({ name: 'c', priority: 9 });
        await add(a1, b1, a2, b2, c);
        const onlyA = await claim({ names: new Set(['a']), limit: 10 });
        expect(ids(onlyA.tasks)).toEqual([a1.id, a2.id]);
        expect(onlyA.nextDueAt).toBeNull();
        for (const task of [b1, b2, c]) expect(await store.getTask(task.id)).toEqual(task);
        const onlyB = await claim({ names: new Set(['b', 'unknown']), limit: 1 });
        expect(ids(onlyB.tasks)).toEqual([b1.id]);
        expect(onlyB.nextDueAt).toBe(T0);
        expect(ids((await claim({ names: new Set(['c', 'b']) })).tasks)).toEqual([c.id, b2.id]);
      });

      it('claims nothing for no names', async () => {
        await add(taskRecord());
        expect(await claim({ names: new Set() })).toEqual({ tasks: [], nextDueAt: null });
        expect(await counts()).toEqual(countsOf(['default', 'job', 'pending', 1]));
      });

      it('orders by priority (high first), then due time, then insertion', async () => {
        const retried = await seed('retrying', {}, { retryAt: T0 + 50 });
        const now = T0 + 1_000;
        const a = taskRecord({ priority: 0, scheduledAt: T0 + 100 });
        const b = taskRecord({ priority: 5, scheduledAt: T0 + 900 });
        const c = taskRecord({ priority: 5, scheduledAt: T0 + 200 });
        const d = taskRecord({ priority: 0, scheduledAt: T0 + 100 });
        const e = taskRecord({ priority: -1, scheduledAt: T0 });
        const future = taskRecord({ priority: 10, scheduledAt: now + 1 });
        await add(a, b, future);
        await add(c, d, e);
        const result = await claim({ now });
        expect(ids(result.tasks)).toEqual([c.id, b.id, retried.id, a.id, d.id, e.id]);
        expect(result.nextDueAt).toBe(now + 1);
      });

      it('claims in the same order one at a time', async () => {
        const tasks = [
          taskRecord({ priority: 1, scheduledAt: T0 + 30 }),
          taskRecord({ priority: 2, scheduledAt: T0 + 90 }),
          taskRecord({ priority: 1, scheduledAt: T0 + 10 }),
          taskRecord({ priority: 1, scheduledAt: T0 + 30 }),
        ];
        await add(...tasks);
        const order: string[] = [];
        for (let i = 0; i < tasks.length; i += 1) {
          order.push(...ids((await claim({ now: T0 + 100, limit: 1 })).tasks));
        }
        expect(order).toEqual([tasks[1]!.id, tasks[2]!.id, tasks[0]!.id, tasks[3]!.id]);
      });

      it('breaks ties by insertion order, not by id', async () => {
        const z = taskRecord({ id: 'z-first' });
        const m = taskRecord({ id: 'm-second' });
        const a = taskRecord({ id: 'a-third' });
        const b = taskRecord({ id: 'b-fourth' });
        await add(z);
        await add(m, a);
        await add(b);
        expect(ids((await claim()).tasks)).toEqual(['z-first', 'm-second', 'a-third', 'b-fourth']);
      });

      it('keeps a task’s insertion place when it waits again', async () => {
        const first = taskRecord();
        const second = taskRecord({ scheduledAt: T0 + 100 });
        await add(first, second);
        const claimed = (await claim({ now: T0, limit: 1 })).tasks[0]!;
        expect(claimed.id).toBe(first.id);
        expect(
          await update({
            id: first.id,
            expect: { statuses: ['running'], owner: 'node-a', attempt: 1 },
            set: { status: 'retrying', scheduledAt: T0 + 100, lockedBy: null, lockedUntil: null },
          }),
        ).toBe(true);
        expect(ids((await claim({ now: T0 + 100 })).tasks)).toEqual([first.id, second.id]);
      });

      it('respects the limit and reports that more are due', async () => {
        const tasks = [taskRecord(), taskRecord(), taskRecord(), taskRecord(), taskRecord()];
        await add(...tasks);
        const result = await claim({ limit: 2 });
        expect(ids(result.tasks)).toEqual([tasks[0]!.id, tasks[1]!.id]);
        expect(result.nextDueAt).toBe(T0);
        expect(await counts()).toEqual(
          countsOf(['default', 'job', 'pending', 3], ['default', 'job', 'running', 2]),
        );
      });

      it('with limit 0 only reports when the next task falls due', async () => {
        expect(await claim({ limit: 0 })).toEqual({ tasks: [], nextDueAt: null });
        const later = taskRecord({ scheduledAt: T0 + 700 });
        await add(later);
        expect(await claim({ limit: 0 })).toEqual({ tasks: [], nextDueAt: T0 + 700 });
        const due = taskRecord({ scheduledAt: T0 - 50 });
        await add(due);
        expect(await claim({ limit: 0 })).toEqual({ tasks: [], nextDueAt: T0 });
        expect(await store.getTask(due.id)).toEqual(due);
        expect(await counts()).toEqual(countsOf(['default', 'job', 'pending', 2]));
      });

      it('leases what it claims: running, attempt counted, owner and lease recorded', async () => {
        const retried = await seed(
          'retrying',
          { priority: 3, maxRetries: 4 },
          { retryAt: T0 + 10 },
        );
        expect(retried.attempts).toBe(1);
        const fresh = taskRecord({ payload: '{"x":1}' });
        await add(fresh);
        const now = T0 + 500;
        const result = await claim({ now, owner: 'node-b', leaseMs: 2_500 });
        const leased = {
          startedAt: now,
          nodeId: 'node-b',
          lockedBy: 'node-b',
          lockedUntil: now + 2_500,
        };
        expect(result).toEqual({
          tasks: [
            { ...retried, ...leased, status: 'running', attempts: 2 },
            { ...fresh, ...leased, status: 'running', attempts: 1 },
          ],
          nextDueAt: null,
        });
        expect(await store.getTask(retried.id)).toEqual(result.tasks[0]);
        expect(await store.getTask(fresh.id)).toEqual(result.tasks[1]);
      });

      it('never claims a task twice in successive claims', async () => {
        const tasks = Array.from({ length: 7 }, () => taskRecord());
        await add(...tasks);
        const first = await claim({ limit: 3, owner: 'node-a' });
        const second = await claim({ limit: 3, owner: 'node-b' });
        const third = await claim({ limit: 3, owner: 'node-c' });
        expect(ids(first.tasks)).toEqual(ids(tasks.slice(0, 3)));
        expect(ids(second.tasks)).toEqual(ids(tasks.slice(3, 6)));
        expect(ids(third.tasks)).toEqual(ids(tasks.slice(6)));
        expect(third.nextDueAt).toBeNull();
        expect(await claim()).toEqual({ tasks: [], nextDueAt: null });
      });

      it('never claims a task twice in concurrent claims', async () => {
        const tasks = Array.from({ length: 7 }, () => taskRecord());
        await add(...tasks);
        const results = await Promise.all(
          ['node-a', 'node-b', 'node-c'].map((owner) => claim({ limit: 3, owner })),
        );
        const rest = await claim({ owner: 'node-d' });
        const all = [...results.flatMap((result) => result.tasks), ...rest.tasks];
        expect(ids(all).sort()).toEqual(ids(tasks).sort());
        for (const task of all) {
          expect(task).toMatchObject({ status: 'running', attempts: 1 });
          expect(await get(task.id)).toEqual(task);
        }
      });

      describe('nextDueAt', () => {
        it('is the earliest future due time when nothing is due', async () => {
          await add(taskRecord({ scheduledAt: T0 + 300 }), taskRecord({ scheduledAt: T0 + 200 }));
          expect(await claim()).toEqual({ tasks: [], nextDueAt: T0 + 200 });
        });

        it('is now when a claimable task is still due', async () => {
          await add(taskRecord({ scheduledAt: T0 - 100 }), taskRecord({ scheduledAt: T0 - 90 }));
          expect((await claim({ limit: 1 })).nextDueAt).toBe(T0);
        });

        it('is null when nothing waits', async () => {
          await add(taskRecord());
          expect((await claim()).nextDueAt).toBeNull();
        });

        it('ignores other queues and tasks that are running or finished', async () => {
          await seed('running', { scheduledAt: T0 - 10 });
          await seed('completed', { scheduledAt: T0 - 10 });
          await add(taskRecord({ queue: 'other', scheduledAt: T0 + 1 }));
          const mine = taskRecord({ scheduledAt: T0 + 50 });
          await add(mine);
          expect(await claim()).toEqual({ tasks: [], nextDueAt: T0 + 50 });
        });

        it('counts a retrying task at its retry time', async () => {
          await seed('retrying', {}, { retryAt: T0 + 40 });
          expect(await claim({ now: T0 + 1 })).toEqual({ tasks: [], nextDueAt: T0 + 40 });
        });

        it('ignores waiting tasks whose name is not given', async () => {
          const dueUnknown = taskRecord({ name: 'x', priority: 5 });
          const soonUnknown = taskRecord({ name: 'x', scheduledAt: T0 + 100 });
          const known = taskRecord({ name: 'a' });
          const laterKnown = taskRecord({ name: 'a', scheduledAt: T0 + 200 });
          await add(dueUnknown, soonUnknown, known, laterKnown);
          const result = await claim({ names: new Set(['a']), limit: 1 });
          expect(ids(result.tasks)).toEqual([known.id]);
          expect(result.nextDueAt).toBe(T0 + 200);
          expect(await claim({ names: new Set(['a']), limit: 0, now: T0 + 150 })).toEqual({
            tasks: [],
            nextDueAt: T0 + 200,
          });
          expect(await claim({ names: new Set(['b']), limit: 0 })).toEqual({
            tasks: [],
            nextDueAt: null,
          });
          expect(await claim({ names: new Set(['x']), limit: 0 })).toEqual({
            tasks: [],
            nextDueAt: T0,
          });
        });
      });

      it('claims retrying tasks once they are due', async () => {
        const retried = await seed('retrying', {}, { retryAt: T0 + 300 });
        expect(await claim({ now: T0 + 299 })).toEqual({ tasks: [], nextDueAt: T0 + 300 });
        const result = await claim({ now: T0 + 300, owner: 'node-b' });
        expect(result.tasks).toEqual([
          {
            ...retried,
            status: 'running',
            attempts: 2,
            startedAt: T0 + 300,
            nodeId: 'node-b',
            lockedBy: 'node-b',
            lockedUntil: T0 + 1_300,
          },
        ]);
      });
    });

    describe('updateTasks', () => {
      const finish = (task: TaskRecord, overrides: Partial<TaskUpdate> = {}): TaskUpdate => ({
        id: task.id,
        expect: { statuses: ['running'], owner: task.lockedBy!, attempt: task.attempts },
        set: { status: 'completed', completedAt: T0 + 100, lockedBy: null, lockedUntil: null },
        ...overrides,
      });

      it('applies every field of the patch and appends the attempt', async () => {
        const running = await seed('running', { name: 'a', queue: 'q' });
        const attempt = attemptRecord({ attempt: 1, error: 'slow', nodeId: 'node-a' });
        const set = {
          status: 'retrying',
          scheduledAt: T0 + 7_000,
          startedAt: T0 + 11,
          completedAt: T0 + 12,
          error: 'slow ✗',
          retryCount: 3,
          lockedBy: 'node-q',
          lockedUntil: T0 + 13,
          nodeId: 'node-r',
        } as const;
        expect(
          await update({
            id: running.id,
            expect: { statuses: ['running'], owner: 'node-a', attempt: 1 },
            set,
            appendAttempt: attempt,
          }),
        ).toBe(true);
        expect(await store.getTask(running.id)).toEqual({
          ...running,
          ...set,
          history: [attempt],
        });
        expect(await counts()).toEqual(countsOf(['q', 'a', 'retrying', 1]));
      });

      it('writes nulls and leaves fields that are absent or undefined unchanged', async () => {
        const running = await seed('running');
        expect(
          await update({
            id: running.id,
            expect: { statuses: ['running'] },
            set: { lockedBy: null, lockedUntil: null, startedAt: undefined, error: 'e' },
          }),
        ).toBe(true);
        expect(await store.getTask(running.id)).toEqual({
          ...running,
          lockedBy: null,
          lockedUntil: null,
          error: 'e',
        });
        expect(
          await update({ id: running.id, expect: { statuses: ['running'] }, set: { error: null } }),
        ).toBe(true);
        expect(await store.getTask(running.id)).toEqual({
          ...running,
          lockedBy: null,
          lockedUntil: null,
        });
      });

      it('leaves the history alone without an attempt to append', async () => {
        const retrying = await seed('retrying');
        expect(
          await update({
            id: retrying.id,
            expect: { statuses: ['retrying'] },
            set: { status: 'cancelled', completedAt: T0 + 5 },
          }),
        ).toBe(true);
        expect((await get(retrying.id)).history).toEqual(retrying.history);
        expect(retrying.history).toHaveLength(1);
      });

      it('applies a fence of statuses only, whatever the owner and attempt', async () => {
        const running = await seed('running');
        expect(
          await update({
            id: running.id,
            expect: { statuses: ['pending', 'running'] },
            set: { status: 'cancelled' },
          }),
        ).toBe(true);
        expect((await get(running.id)).status).toBe('cancelled');
      });

      const refusals: [string, (task: TaskRecord) => TaskUpdate['expect']][] = [
        [
          'its status is not expected',
          (t) => ({ statuses: ['pending', 'retrying'], owner: t.lockedBy!, attempt: t.attempts }),
        ],
        [
          'no status is expected',
          (t) => ({ statuses: [], owner: t.lockedBy!, attempt: t.attempts }),
        ],
        [
          'another owner holds it',
          (t) => ({ statuses: ['running'], owner: 'node-b', attempt: t.attempts }),
        ],
        [
          'the attempt is stale',
          (t) => ({ statuses: ['running'], owner: t.lockedBy!, attempt: t.attempts - 1 }),
        ],
        ['the attempt is ahead', (t) => ({ statuses: ['running'], attempt: t.attempts + 1 })],
      ];
      for (const [reason, fence] of refusals) {
        it(`refuses an update, changing nothing, when ${reason}`, async () => {
          const running = await seed('running');
          const change = finish(running, {
            expect: fence(running),
            appendAttempt: attemptRecord(),
          });
          expect(await update(change)).toBe(false);
          expect(await store.getTask(running.id)).toEqual(running);
          expect(await counts()).toEqual(countsOf(['default', 'job', 'running', 1]));
        });
      }

      it('refuses an update of a task that is released (no owner) when an owner is expected', async () => {
        const pending = await seed('pending');
        expect(
          await update({
            id: pending.id,
            expect: { statuses: ['pending'], owner: 'node-a' },
            set: { status: 'cancelled' },
          }),
        ).toBe(false);
        expect(await store.getTask(pending.id)).toEqual(pending);
      });

      it('refuses an update of an unknown task', async () => {
        expect(
          await update({
            id: 'missing',
            expect: { statuses: [...TASK_STATUSES] },
            set: { error: 'x' },
          }),
        ).toBe(false);
        expect(await store.getTask('missing')).toBeNull();
      });

      it('applies the updates of one call in order, each reporting for itself', async () => {
        const one = await seed('running', { queue: 'q1' });
        const two = await seed('running', { queue: 'q2' });
        const results = await store.updateTasks([
          finish(one),
          { id: 'missing', expect: { statuses: ['running'] }, set: { error: 'x' } },
          finish(one, { set: { error: 'again' } }),
          { id: one.id, expect: { statuses: ['completed'] }, set: { error: 'after' } },
          finish(two, { expect: { statuses: ['running'], owner: 'node-b' } }),
          finish(two, { set: { status: 'failed', completedAt: T0 + 1, error: 'e' } }),
        ]);
        expect(results).toEqual([true, false, false, true, false, true]);
        expect(await get(one.id)).toMatchObject({ status: 'completed', error: 'after' });
        expect(await get(two.id)).toMatchObject({ status: 'failed', error: 'e' });
      });

      it('resolves an empty call to no results', async () => {
        expect(await store.updateTasks([])).toEqual([]);
      });

      it('applies only one of two concurrent updates under the same fence', async () => {
        const running = await seed('running');
        const results = await Promise.all([
          store.updateTasks([
            finish(running, { set: { status: 'completed', completedAt: T0 + 1 } }),
          ]),
          store.updateTasks([finish(running, { set: { status: 'failed', completedAt: T0 + 2 } })]),
        ]);
        expect(results.flat().sort()).toEqual([false, true]);
        const winner = results[0]![0] ? 'completed' : 'failed';
        expect((await get(running.id)).status).toBe(winner);
      });

      it('keeps the newest MAX_ATTEMPT_HISTORY attempts', async () => {
        const old = Array.from({ length: MAX_ATTEMPT_HISTORY - 1 }, (_, i) =>
          attemptRecord({ attempt: i + 1, error: `e${i + 1}` }),
        );
        const task = taskRecord({ attempts: MAX_ATTEMPT_HISTORY - 1, history: old });
        await add(task);
        const appended: AttemptRecord[] = [];
        for (let attempt = MAX_ATTEMPT_HISTORY; attempt < MAX_ATTEMPT_HISTORY + 3; attempt += 1) {
          const claimed = (await claim({ now: T0 + attempt })).tasks;
          expect(claimed).toMatchObject([{ id: task.id, attempts: attempt }]);
          const record = attemptRecord({ attempt, error: `e${attempt}` });
          appended.push(record);
          expect(
            await update({
              id: task.id,
              expect: { statuses: ['running'], owner: 'node-a', attempt },
              set: {
                status: 'retrying',
                scheduledAt: T0 + attempt + 1,
                lockedBy: null,
                lockedUntil: null,
              },
              appendAttempt: record,
            }),
          ).toBe(true);
          const history = (await get(task.id)).history;
          expect(history).toEqual([...old, ...appended].slice(-MAX_ATTEMPT_HISTORY));
        }
      });

      it('makes a task claimable again at its new due time when it goes back to waiting', async () => {
        const toRetry = await seed('running', { queue: 'q1' });
        const toPending = await seed('running', { queue: 'q2' });
        for (const [task, status] of [
          [toRetry, 'retrying'],
          [toPending, 'pending'],
        ] as const) {
          expect(
            await update(
              finish(task, {
                set: { status, scheduledAt: T0 + 1_000, lockedBy: null, lockedUntil: null },
              }),
            ),
          ).toBe(true);
          expect(await claim({ queue: task.queue, now: T0 + 999 })).toEqual({
            tasks: [],
            nextDueAt: T0 + 1_000,
          });
          const again = await claim({ queue: task.queue, now: T0 + 1_000, owner: 'node-b' });
          expect(again.tasks).toMatchObject([
            { id: task.id, status: 'running', attempts: 2, lockedBy: 'node-b' },
          ]);
        }
      });

      it('never lets a cancelled or finished task be claimed', async () => {
        const pending = taskRecord();
        const retrying = await seed('retrying', {}, { retryAt: T0 + 10 });
        await add(pending);
        for (const task of [pending, retrying]) {
          expect(
            await update({
              id: task.id,
              expect: { statuses: ['pending', 'retrying'] },
              set: { status: 'cancelled', completedAt: T0 + 1 },
            }),
          ).toBe(true);
        }
        await seed('completed');
        await seed('failed');
        expect(await claim({ now: T0 + HOUR })).toEqual({ tasks: [], nextDueAt: null });
      });

      it('fences out a node whose expired lease was taken over', async () => {
        const first = await seed('running', {}, { owner: 'node-a' });
        expect(
          await update({
            id: first.id,
            expect: { statuses: ['running'], owner: 'node-a', attempt: 1 },
            set: { status: 'pending', scheduledAt: T0 + 2_000, lockedBy: null, lockedUntil: null },
          }),
        ).toBe(true);
        const second = await claim({ now: T0 + 2_000, owner: 'node-b' });
        expect(second.tasks).toMatchObject([{ id: first.id, attempts: 2, lockedBy: 'node-b' }]);
        const late = finish(first, {
          expect: { statuses: ['running'], owner: 'node-a', attempt: 1 },
        });
        expect(await update(late)).toBe(false);
        expect(await update(finish(second.tasks[0]!))).toBe(true);
        expect((await get(first.id)).status).toBe('completed');
      });
    });

    describe('leases', () => {
      it('renews only the leases the owner still holds at that attempt', async () => {
        const mine = await seed('running', { queue: 'q1' }, { owner: 'node-a' });
        const theirs = await seed('running', { queue: 'q2' }, { owner: 'node-b' });
        const done = await seed('completed', { queue: 'q3' }, { owner: 'node-a' });
        const results = await store.renewLeases(
          'node-a',
          [
            { id: mine.id, attempt: 1 },
            { id: theirs.id, attempt: 1 },
            { id: mine.id, attempt: 2 },
            { id: done.id, attempt: 1 },
            { id: 'missing', attempt: 1 },
          ],
          T0 + 700,
          5_000,
        );
        expect(results).toEqual([true, false, false, false, false]);
        expect(await store.getTask(mine.id)).toEqual({ ...mine, lockedUntil: T0 + 5_700 });
        expect(await store.getTask(theirs.id)).toEqual(theirs);
        expect(await store.getTask(done.id)).toEqual(done);
      });

      it('renews a lease that ran out but was not taken over', async () => {
        const mine = await seed('running', {}, { owner: 'node-a' });
        expect(mine.lockedUntil).toBe(T0 + 1_000);
        expect(
          await store.renewLeases('node-a', [{ id: mine.id, attempt: 1 }], T0 + 3_000, 1_000),
        ).toEqual([true]);
        expect((await get(mine.id)).lockedUntil).toBe(T0 + 4_000);
        expect(await store.findExpiredLeases(T0 + 3_500, 10)).toEqual([]);
      });

      it('resolves an empty renewal to no results', async () => {
        expect(await store.renewLeases('node-a', [], T0, 1_000)).toEqual([]);
      });

      it('finds running tasks whose lease ran out before now, oldest first, up to the limit', async () => {
        const a = await seed('running', { queue: 'q1' }, { at: T0 + 300 });
        const b = await seed('running', { queue: 'q2' }, { at: T0 + 100 });
        const c = await seed('running', { queue: 'q3' }, { at: T0 + 200 });
        const d = await seed('running', { queue: 'q4' }, { at: T0 + 400 });
        await seed('completed', { queue: 'q5' }, { at: T0 });
        await seed('retrying', { queue: 'q6' }, { at: T0 });
        await add(taskRecord({ queue: 'q7', scheduledAt: T0 - HOUR }));
        // Leases run out at T0+1100 (b), T0+1200 (c), T0+1300 (a), T0+1400 (d).
        expect(await store.findExpiredLeases(T0 + 1_300, 10)).toEqual([b, c]);
        expect(await store.findExpiredLeases(T0 + 1_301, 10)).toEqual([b, c, a]);
        expect(await store.findExpiredLeases(T0 + HOUR, 2)).toEqual([b, c]);
        expect(await store.findExpiredLeases(T0 + HOUR, 0)).toEqual([]);
        expect(await store.findExpiredLeases(T0 + 1_100, 10)).toEqual([]);
        await store.renewLeases('node-a', [{ id: b.id, attempt: 1 }], T0 + 1_250, 1_000);
        expect(await store.findExpiredLeases(T0 + 1_401, 10)).toEqual([c, a, d]);
      });
    });

    describe('reading tasks', () => {
      it('gets a task, or null for an unknown id', async () => {
        const task = taskRecord();
        await add(task);
        expect(await store.getTask(task.id)).toEqual(task);
        expect(await store.getTask(`${task.id}-not`)).toBeNull();
      });

      it('lists newest first by creation time, then latest inserted first', async () => {
        const t1 = taskRecord({ createdAt: T0 + 10 });
        const t2 = taskRecord({ createdAt: T0 + 30 });
        const t3 = taskRecord({ createdAt: T0 + 20 });
        const t4 = taskRecord({ createdAt: T0 + 20 });
        const t5 = taskRecord({ createdAt: T0 + 5 });
        await add(t1, t2);
        await add(t3);
        await add(t4, t5);
        expect(await store.listTasks({ limit: 10, offset: 0 })).toEqual({
          tasks: [t2, t4, t3, t1, t5],
          total: 5,
        });
      });

      describe('filters and pages', () => {
        let all: TaskRecord[];

        beforeEach(async () => {
          const seeded = [
            await seed('completed', { queue: 'q1', name: 'a', createdAt: T0 + 1 }),
            await seed('failed', { queue: 'q1', name: 'b', createdAt: T0 + 2 }),
            await seed('running', { queue: 'q2', name: 'a', createdAt: T0 + 3 }),
            await seed('retrying', { queue: 'q2', name: 'b', createdAt: T0 + 4 }),
            await seed('cancelled', { queue: 'q1', name: 'a', createdAt: T0 + 5 }),
          ];
          const waiting = [
            taskRecord({ queue: 'q1', name: 'a', createdAt: T0 + 6 }),
            taskRecord({ queue: 'q2', name: 'a', createdAt: T0 + 7 }),
            taskRecord({ queue: 'q1', name: 'b', createdAt: T0 + 8 }),
            taskRecord({ queue: 'q1', name: 'a', createdAt: T0 + 9 }),
          ];
          await add(...waiting);
          all = [...seeded, ...waiting].reverse();
        });

        const expectList = async (
          filter: { statuses?: TaskStatus[]; queue?: string; name?: string },
          matches: (task: TaskRecord) => boolean,
        ): Promise<void> => {
          const expected = all.filter(matches);
          expect(expected.length).toBeGreaterThan(0);
          expect(await store.listTasks({ ...filter, limit: 100, offset: 0 })).toEqual({
            tasks: expected,
            total: expected.length,
          });
        };

        it('lists everything without filters', async () => {
          await expectList({}, () => true);
        });

        it('filters by statuses', async () => {
          await expectList({ statuses: ['pending'] }, (t) => t.status === 'pending');
          await expectList({ statuses: ['completed', 'failed', 'cancelled'] }, (t) =>
            ['completed', 'failed', 'cancelled'].includes(t.status),
          );
        });

        it('matches nothing for an empty list of statuses', async () => {
          expect(await store.listTasks({ statuses: [], limit: 100, offset: 0 })).toEqual({
            tasks: [],
            total: 0,
          });
        });

        it('filters by queue and by name', async () => {
          await expectList({ queue: 'q2' }, (t) => t.queue === 'q2');
          await expectList({ name: 'b' }, (t) => t.name === 'b');
        });

        it('combines filters', async () => {
          await expectList(
            { statuses: ['pending', 'cancelled', 'running'], queue: 'q1', name: 'a' },
            (t) =>
              ['pending', 'cancelled'].includes(t.status) && t.queue === 'q1' && t.name === 'a',
          );
          expect(
            await store.listTasks({ statuses: ['running'], queue: 'q1', limit: 100, offset: 0 }),
          ).toEqual({ tasks: [], total: 0 });
          expect(await store.listTasks({ queue: 'none', limit: 100, offset: 0 })).toEqual({
            tasks: [],
            total: 0,
          });
        });

        it('pages with limit and offset, counting every match', async () => {
          const pages: TaskRecord[] = [];
          for (let offset = 0; offset < all.length; offset += 4) {
            const page = await store.listTasks({ limit: 4, offset });
            expect(page.total).toBe(all.length);
            expect(page.tasks).toHaveLength(Math.min(4, all.length - offset));
            pages.push(...page.tasks);
          }
          expect(pages).toEqual(all);
          expect(await store.listTasks({ queue: 'q1', limit: 2, offset: 1 })).toEqual({
            tasks: all.filter((t) => t.queue === 'q1').slice(1, 3),
            total: all.filter((t) => t.queue === 'q1').length,
          });
          expect(await store.listTasks({ limit: 5, offset: all.length })).toEqual({
            tasks: [],
            total: all.length,
          });
          expect(await store.listTasks({ limit: 0, offset: 0 })).toEqual({
            tasks: [],
            total: all.length,
          });
        });
      });

      it('counts tasks per queue, name and status, omitting empty groups', async () => {
        await seed('completed', { queue: 'q1', name: 'a' });
        await seed('completed', { queue: 'q1', name: 'a' });
        await seed('failed', { queue: 'q1', name: 'a' });
        await seed('running', { queue: 'q2', name: 'a' });
        await seed('retrying', { queue: 'q2', name: 'b' });
        await seed('cancelled', { queue: 'q2', name: 'b' });
        const waiting = [
          taskRecord({ queue: 'q1', name: 'a' }),
          taskRecord({ queue: 'q1', name: 'b' }),
          taskRecord({ queue: 'q1', name: 'b' }),
          taskRecord({ queue: 'q2', name: 'a', scheduledAt: T0 + HOUR }),
        ];
        await add(...waiting);
        expect(await counts()).toEqual(
          countsOf(
            ['q1', 'a', 'completed', 2],
            ['q1', 'a', 'failed', 1],
            ['q1', 'a', 'pending', 1],
            ['q1', 'b', 'pending', 2],
            ['q2', 'a', 'running', 1],
            ['q2', 'a', 'pending', 1],
            ['q2', 'b', 'retrying', 1],
            ['q2', 'b', 'cancelled', 1],
          ),
        );
        const claimed = await claim({ queue: 'q1', names: new Set(['b']) });
        expect(claimed.tasks).toHaveLength(2);
        const updated = await store.updateTasks([
          {
            id: claimed.tasks[0]!.id,
            expect: { statuses: ['running'] },
            set: { status: 'completed', completedAt: T0 + 5 },
          },
          { id: waiting[0]!.id, expect: { statuses: ['pending'] }, set: { status: 'cancelled' } },
        ]);
        expect(updated).toEqual([true, true]);
        await insert([taskRecord({ queue: 'q3', name: 'c' })]);
        expect(await counts()).toEqual(
          countsOf(
            ['q1', 'a', 'completed', 2],
            ['q1', 'a', 'failed', 1],
            ['q1', 'a', 'cancelled', 1],
            ['q1', 'b', 'running', 1],
            ['q1', 'b', 'completed', 1],
            ['q2', 'a', 'running', 1],
            ['q2', 'a', 'pending', 1],
            ['q2', 'b', 'retrying', 1],
            ['q2', 'b', 'cancelled', 1],
            ['q3', 'c', 'pending', 1],
          ),
        );
      });
    });

    describe('prune', () => {
      /** Finished tasks completed at the given offsets from T0, in the order given. */
      const finished = async (...offsets: number[]): Promise<TaskRecord[]> => {
        const statuses = ['completed', 'failed', 'cancelled'] as const;
        const out: TaskRecord[] = [];
        for (const [index, offset] of offsets.entries()) {
          const status = statuses[index % statuses.length]!;
          out.push(await seed(status, { queue: `p${index % 2}` }, { completedAt: T0 + offset }));
        }
        return out;
      };

      const remaining = async (): Promise<string[]> => ids(await everything()).sort();

      it('removes finished tasks completed before finishedBefore, and no others', async () => {
        const [old1, , old2, , edge] = await finished(100, 500, 200, 600, 300);
        const pending = taskRecord({ createdAt: T0 - HOUR, scheduledAt: T0 + HOUR });
        await add(pending);
        const running = await seed('running', { queue: 'r', createdAt: T0 - HOUR });
        const before = await remaining();
        expect(
          await store.prune({ finishedBefore: T0 + 300, keepNewest: 100, batchSize: 100 }),
        ).toBe(2);
        expect(await store.getTask(old1!.id)).toBeNull();
        expect(await store.getTask(old2!.id)).toBeNull();
        expect(await store.getTask(edge!.id)).toEqual(edge);
        expect(await remaining()).toEqual(
          before.filter((id) => id !== old1!.id && id !== old2!.id),
        );
        expect(await store.getTask(pending.id)).toEqual(pending);
        expect(await store.getTask(running.id)).toEqual(running);
      });

      it('keeps only the keepNewest most recently completed tasks, newest by completedAt', async () => {
        const tasks = await finished(400, 100, 500, 200, 300);
        expect(
          await store.prune({ finishedBefore: T0 - HOUR, keepNewest: 2, batchSize: 100 }),
        ).toBe(3);
        const kept = [tasks[0]!, tasks[2]!];
        expect(await remaining()).toEqual(ids(kept).sort());
        expect(
          await store.prune({ finishedBefore: T0 - HOUR, keepNewest: 2, batchSize: 100 }),
        ).toBe(0);
      });

      it('counts keepNewest over every queue and never counts waiting or running tasks', async () => {
        await add(taskRecord({ queue: 'w', scheduledAt: T0 + HOUR }));
        await seed('running', { queue: 'r' });
        const [, newest] = await finished(10, 30, 20);
        expect(
          await store.prune({ finishedBefore: T0 - HOUR, keepNewest: 1, batchSize: 100 }),
        ).toBe(2);
        expect(await store.getTask(newest!.id)).not.toBeNull();
        expect(await counts()).toEqual(
          countsOf(
            ['w', 'job', 'pending', 1],
            ['r', 'job', 'running', 1],
            ['p1', 'job', 'failed', 1],
          ),
        );
      });

      it('applies either rule: too old or beyond keepNewest', async () => {
        const tasks = await finished(100, 200, 300, 400, 500, 600);
        // Too old: 100 and 200, which are also beyond the newest four. Then keeping three removes 300.
        expect(await store.prune({ finishedBefore: T0 + 250, keepNewest: 4, batchSize: 100 })).toBe(
          2,
        );
        expect(await store.prune({ finishedBefore: T0 + 150, keepNewest: 3, batchSize: 100 })).toBe(
          1,
        );
        expect(await remaining()).toEqual(ids(tasks.slice(3)).sort());
        expect(await store.prune({ finishedBefore: T0 + 550, keepNewest: 3, batchSize: 100 })).toBe(
          2,
        );
        expect(await remaining()).toEqual([tasks[5]!.id]);
      });

      it('removes at most batchSize per call, oldest first, and finishes over repeated calls', async () => {
        const tasks = await finished(700, 100, 600, 200, 500, 300, 400);
        const rule = { finishedBefore: T0 + 650, keepNewest: 100, batchSize: 2 };
        const byAge = [...tasks].sort((a, b) => a.completedAt! - b.completedAt!);
        expect(await store.prune(rule)).toBe(2);
        expect(await remaining()).toEqual(ids(byAge.slice(2)).sort());
        expect(await store.prune(rule)).toBe(2);
        expect(await store.prune(rule)).toBe(2);
        expect(await remaining()).toEqual(ids(byAge.slice(6)).sort());
        expect(await store.prune(rule)).toBe(0);
        expect(await store.prune({ ...rule, keepNewest: 0 })).toBe(1);
        expect(await everything()).toEqual([]);
        expect(await counts()).toEqual([]);
      });

      it('frees a pruned id for a new task', async () => {
        const [done] = await finished(100);
        expect(await store.prune({ finishedBefore: T0 + HOUR, keepNewest: 0, batchSize: 10 })).toBe(
          1,
        );
        const again = taskRecord({ id: done!.id });
        expect(await insert([again], 'once')).toEqual({ ok: true, outcomes: [INSERTED] });
        expect(await store.getTask(done!.id)).toEqual(again);
      });
    });

    describe('schedules', () => {
      const byId = <T extends { id: string }>(items: T[]): T[] =>
        [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

      it('saves and lists every field exactly', async () => {
        const cron = scheduleRecord({
          id: 'cron-1',
          kind: 'cron',
          expression: '*/5 * * * *',
          intervalMs: null,
          timeZone: 'Europe/Berlin',
          taskName: 'a',
          queue: 'q',
          payload: '{"city":"Zürich 🏔"}',
          priority: -2,
          maxRetries: 3,
          timeoutMs: 45_000,
          overlap: 'queue',
          misfire: 'run-all',
          maxCatchUp: 7,
          paused: true,
          anchorAt: T0 - 1,
          nextFireAt: null,
          lastFireAt: T0 - 300_000,
          createdAt: T0 - HOUR,
          source: 'decorator',
        });
        const recurring = scheduleRecord({ id: 'recurring-1' });
        await store.saveSchedule(cron);
        await store.saveSchedule(recurring);
        expect(byId(await store.listSchedules())).toEqual([cron, recurring]);
      });

      it('replaces a schedule saved again under the same id', async () => {
        const first = scheduleRecord({ paused: true, lastFireAt: T0 });
        const second = scheduleRecord({
          id: first.id,
          kind: 'cron',
          expression: '0 * * * *',
          intervalMs: null,
        });
        const other = scheduleRecord();
        await store.saveSchedule(first);
        await store.saveSchedule(other);
        await store.saveSchedule(second);
        expect(byId(await store.listSchedules())).toEqual(byId([second, other]));
      });

      it('patches only the given fields, writing nulls, and reports unknown ids', async () => {
        const schedule = scheduleRecord({ lastFireAt: T0 });
        const other = scheduleRecord();
        await store.saveSchedule(schedule);
        await store.saveSchedule(other);
        expect(await store.updateSchedule(schedule.id, { paused: true, nextFireAt: null })).toBe(
          true,
        );
        expect(
          await store.updateSchedule(schedule.id, { lastFireAt: T0 + 60_000, paused: undefined }),
        ).toBe(true);
        expect(await store.updateSchedule('missing', { paused: true })).toBe(false);
        expect(byId(await store.listSchedules())).toEqual(
          byId([{ ...schedule, paused: true, nextFireAt: null, lastFireAt: T0 + 60_000 }, other]),
        );
      });

      it('deletes by id and reports whether it existed', async () => {
        const schedule = scheduleRecord();
        const other = scheduleRecord();
        await store.saveSchedule(schedule);
        await store.saveSchedule(other);
        expect(await store.deleteSchedule(schedule.id)).toBe(true);
        expect(await store.deleteSchedule(schedule.id)).toBe(false);
        expect(await store.listSchedules()).toEqual([other]);
        expect(await store.updateSchedule(schedule.id, { paused: true })).toBe(false);
      });

      it('keeps tasks and schedules apart', async () => {
        const schedule = scheduleRecord();
        const fire = taskRecord({ id: `${schedule.id}:${T0}`, scheduleId: schedule.id });
        await store.saveSchedule(schedule);
        await add(fire);
        expect(await store.deleteSchedule(schedule.id)).toBe(true);
        expect(await store.getTask(fire.id)).toEqual(fire);
        expect(await store.prune({ finishedBefore: T0 + HOUR, keepNewest: 0, batchSize: 10 })).toBe(
          0,
        );
      });
    });

    describe('random operations against a reference model', () => {
      for (const seedValue of [1, 2, 3, 4, 5]) {
        it(`agrees with the model over 300 operations (seed ${seedValue})`, async () => {
          await runRandomOperations(store, seedValue, 300);
        });
      }
    });
  });
}

const INSERTED = { inserted: true } as const;

/**
 * Random inserts, claims, updates, renewals, lease scans, listings and
 * prunes on `store` and on the reference model, comparing every answer and
 * the counts and full listing after every step. The clock mostly moves
 * forward, sometimes steps back, and often repeats, so ties happen.
 */
async function runRandomOperations(store: TaskStore, seed: number, steps: number): Promise<void> {
  const random = seededRandom(seed);
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number): boolean => random() < p;
  const model = new ReferenceStore();
  const queues = ['q1', 'q2'];
  const names = ['a', 'b', 'c'];
  const owners = ['n1', 'n2'];
  const ids = Array.from({ length: 30 }, (_, i) => `s${seed}-t${i}`);
  let now = T0;
  let step = 0;

  const check = (label: string, actual: unknown, expected: unknown): void => {
    try {
      expect(actual).toEqual(expected);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`seed ${seed}, step ${step}, ${label}:\n${message}`, { cause: error });
    }
  };

  const randomTask = (): TaskRecord =>
    taskRecord({
      id: pick(ids),
      queue: pick(queues),
      name: pick(names),
      priority: int(-1, 2),
      payload: `{"step":${step}}`,
      createdAt: now,
      scheduledAt: now + int(-5, 20) * 10,
      maxRetries: int(0, 3),
    });

  const randomUpdate = (): TaskUpdate => {
    const known = model.all();
    const target = known.length === 0 || chance(0.05) ? null : pick(known);
    if (target === null) return { id: 'unknown', expect: { statuses: ['running'] }, set: {} };
    const attempt: AttemptRecord = {
      attempt: target.attempts,
      startedAt: target.startedAt ?? now,
      finishedAt: now,
      durationMs: now - (target.startedAt ?? now),
      error: null,
      nodeId: target.nodeId,
    };
    const release = { lockedBy: null, lockedUntil: null };
    let change: TaskUpdate;
    switch (target.status) {
      case 'running': {
        const kind = pick(['complete', 'fail', 'retry', 'requeue', 'cancel'] as const);
        const set: TaskUpdate['set'] =
          kind === 'complete'
            ? { status: 'completed', completedAt: now, error: null, ...release }
            : kind === 'fail'
              ? { status: 'failed', completedAt: now, error: 'boom', ...release }
              : kind === 'retry'
                ? {
                    status: 'retrying',
                    scheduledAt: now + int(0, 10) * 10,
                    error: 'boom',
                    retryCount: target.retryCount + 1,
                    ...release,
                  }
                : kind === 'requeue'
                  ? { status: 'pending', scheduledAt: now, error: 'interrupted', ...release }
                  : { status: 'cancelled', completedAt: now, ...release };
        change = {
          id: target.id,
          expect: { statuses: ['running'], owner: target.lockedBy!, attempt: target.attempts },
          set,
          appendAttempt: { ...attempt, error: kind === 'complete' ? null : 'boom' },
        };
        break;
      }
      case 'pending':
      case 'retrying':
        change = {
          id: target.id,
          expect: { statuses: ['pending', 'retrying'], attempt: target.attempts },
          set: { status: 'cancelled', completedAt: now },
        };
        break;
      case 'failed':
      case 'cancelled':
        change = {
          id: target.id,
          expect: { statuses: [target.status], attempt: target.attempts },
          set: { status: 'pending', scheduledAt: now, completedAt: null, retryCount: 0 },
        };
        break;
      case 'completed':
        change = { id: target.id, expect: { statuses: ['running'] }, set: { error: 'late' } };
        break;
    }
    // Now and then the writer is stale: another owner, an old attempt or an old status.
    if (chance(0.25)) {
      const spoil = pick(['owner', 'attempt', 'status'] as const);
      if (spoil === 'owner') change.expect = { ...change.expect, owner: pick(owners) };
      if (spoil === 'attempt')
        change.expect = { ...change.expect, attempt: target.attempts + pick([-1, 1]) };
      if (spoil === 'status') change.expect = { ...change.expect, statuses: [pick(TASK_STATUSES)] };
    }
    return change;
  };

  for (step = 0; step < steps; step += 1) {
    now += chance(0.1) ? -int(1, 150) : pick([0, 0, 5, 10, 25, 40]);
    const op = random();
    if (op < 0.3) {
      const requests = Array.from({ length: int(1, 2) }, () => {
        const capacity: Record<string, number> = {};
        for (const queue of queues) if (chance(0.8)) capacity[queue] = int(2, 8);
        return insertRequest(
          Array.from({ length: int(1, 3) }, randomTask),
          pick(['unless-active', 'once'] as const),
          capacity,
        );
      });
      const results = await store.insertTasks(requests);
      check('insert result count', results.length, requests.length);
      requests.forEach((request, index) => {
        const expected = model.insert(request);
        const actual = results[index]!;
        if (expected.ok) check(`insert ${index}`, actual, expected);
        else if (actual.ok)
          check(`insert ${index}`, actual, { ok: false, queueFull: expected.full[0] });
        else
          check(
            `insert ${index} full queue`,
            expected.full,
            expect.arrayContaining([actual.queueFull]),
          );
      });
    } else if (op < 0.52) {
      const request: ClaimRequest = {
        queue: pick(queues),
        limit: int(0, 3),
        now,
        owner: pick(owners),
        leaseMs: int(1, 10) * 20,
        names: new Set(names.filter(() => chance(0.7))),
      };
      check('claim', await store.claimDue(request), model.claim(request));
    } else if (op < 0.75) {
      const updates = Array.from({ length: int(1, 2) }, randomUpdate);
      const results = await store.updateTasks(updates);
      check(
        'update',
        results,
        updates.map((change) => model.update(change)),
      );
    } else if (op < 0.82) {
      const owner = pick(owners);
      const running = model.all().filter((task) => task.status === 'running');
      const leases = Array.from({ length: int(1, 3) }, () => {
        const task = running.length > 0 && chance(0.8) ? pick(running) : null;
        return task === null
          ? { id: pick(ids), attempt: 1 }
          : { id: task.id, attempt: task.attempts + (chance(0.2) ? 1 : 0) };
      });
      const leaseMs = int(1, 10) * 20;
      const results = await store.renewLeases(owner, leases, now, leaseMs);
      check(
        'renew',
        results,
        leases.map((lease) => model.renew(owner, lease, now, leaseMs)),
      );
    } else if (op < 0.87) {
      const limit = int(0, 4);
      const expected = model.expired(now);
      const actual = await store.findExpiredLeases(now, limit);
      check(
        'expired lease times',
        actual.map((task) => task.lockedUntil),
        expected.slice(0, limit).map((task) => task.lockedUntil),
      );
      check(
        'expired leases',
        actual,
        actual.map(
          (task) => expected.find((candidate) => candidate.id === task.id) ?? 'not expired',
        ),
      );
    } else if (op < 0.94) {
      const query = {
        statuses: chance(0.5) ? TASK_STATUSES.filter(() => chance(0.5)) : undefined,
        queue: chance(0.3) ? pick(queues) : undefined,
        name: chance(0.3) ? pick(names) : undefined,
        limit: int(0, 8),
        offset: int(0, 6),
      };
      check('list', await store.listTasks(query), model.list(query));
    } else {
      const rule = {
        finishedBefore: now - int(0, 300),
        keepNewest: int(0, 8),
        batchSize: int(1, 4),
      };
      const expected = model.pruneCandidates(rule);
      const removed = await store.prune(rule);
      check('pruned count', removed, expected.count);
      const present = new Set(idsOf((await store.listTasks({ limit: 10_000, offset: 0 })).tasks));
      const gone = model.all().filter((task) => !present.has(task.id));
      check(
        'pruned statuses',
        gone.filter((task) => !FINISHED_STATUSES.includes(task.status)),
        [],
      );
      const times = (tasks: TaskRecord[]): number[] =>
        tasks.map((t) => t.completedAt!).sort((a, b) => a - b);
      check('pruned tasks', times(gone), times(expected.removable.slice(0, expected.count)));
      for (const task of gone) model.remove(task.id);
    }
    check('counts', sortCounts(await store.countTasks()), model.counts());
    check(
      'everything',
      await store.listTasks({ limit: 10_000, offset: 0 }),
      model.list({ limit: 10_000, offset: 0 }),
    );
  }
}

const idsOf = (tasks: readonly TaskRecord[]): string[] => tasks.map((task) => task.id);
