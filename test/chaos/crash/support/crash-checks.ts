/**
 * What a crash run must show, read from the crash log and the store. Each
 * check returns its violations as sentences, empty when it holds.
 */
import type { TaskRecord } from '../../../../lib/core/types.js';
import type { TaskStore } from '../../../../lib/store/task-store.js';
import type { LogLine } from './crash-app.js';

/** Every task of the store whose id starts with `prefix`. */
export async function storedTasks(
  store: TaskStore,
  prefix: string,
): Promise<Map<string, TaskRecord>> {
  const tasks = new Map<string, TaskRecord>();
  for (let offset = 0; ; offset += 1000) {
    const page = await store.listTasks({ limit: 1000, offset });
    for (const task of page.tasks) if (task.id.startsWith(prefix)) tasks.set(task.id, task);
    if (page.tasks.length < 1000) return tasks;
  }
}

const INTERRUPTED = /interrupted/;

/**
 * Exactly once per successful attempt: every task completed; no attempt
 * number ran twice; the stored attempt count is the highest attempt that
 * started; and a task that ran again after the crash had its earlier attempt
 * recorded as interrupted (its completion had not been committed), never
 * as a success.
 */
export function exactlyOnceViolations(
  lines: readonly LogLine[],
  tasks: ReadonlyMap<string, TaskRecord>,
  expected: readonly string[],
  crashedPid: number,
): string[] {
  const violations: string[] = [];
  const starts = new Map<string, LogLine[]>();
  for (const line of lines) {
    if (line.event !== 'start') continue;
    const id = line.fields[0]!;
    starts.set(id, [...(starts.get(id) ?? []), line]);
  }
  for (const id of expected) {
    const task = tasks.get(id);
    if (task === undefined) {
      violations.push(`${id} was acknowledged but is missing`);
      continue;
    }
    if (task.status !== 'completed') violations.push(`${id} ended ${task.status}, not completed`);
    const attempts = (starts.get(id) ?? []).map((line) => Number(line.fields[1]));
    if (new Set(attempts).size !== attempts.length) {
      violations.push(`${id} ran attempt(s) ${attempts.join(', ')}: one attempt ran twice`);
    }
    if (task.attempts !== Math.max(0, ...attempts)) {
      violations.push(
        `${id} stores ${task.attempts} attempts but attempts ${attempts.join(', ')} started`,
      );
    }
    const reruns = (starts.get(id) ?? []).filter((line) => line.pid !== crashedPid);
    const before = (starts.get(id) ?? []).filter((line) => line.pid === crashedPid);
    if (reruns.length > 0 && before.length > 0) {
      for (const line of before) {
        const attempt = Number(line.fields[1]);
        const record = task.history.find((entry) => entry.attempt === attempt);
        if (record === undefined || record.error === null || !INTERRUPTED.test(record.error)) {
          violations.push(
            `${id} attempt ${attempt} ran before the crash and the task ran again after it, ` +
              `but that attempt is recorded as ${record === undefined ? 'nothing' : JSON.stringify(record.error)}`,
          );
        }
      }
    }
  }
  return violations;
}

/** Distinct fire times of a schedule that fall in [from, to), from the log. */
export function fireTimes(
  lines: readonly LogLine[],
  scheduleId: string,
  from: number,
  to: number,
): number[] {
  const times = new Set<number>();
  for (const line of lines) {
    if (line.event !== 'fire' || line.fields[0] !== scheduleId) continue;
    const at = Number(line.fields[1]);
    if (at >= from && at < to) times.add(at);
  }
  return [...times].sort((a, b) => a - b);
}

/** Fire times a schedule every `periodMs` has in (from, to]. */
export function boundariesBetween(periodMs: number, from: number, to: number): number {
  return Math.floor(to / periodMs) - Math.floor(from / periodMs);
}

/** Fires that ran more than once, other than one interrupted by the crash and run again. */
export function repeatedFires(lines: readonly LogLine[], crashedPid: number | null): string[] {
  const runs = new Map<string, LogLine[]>();
  for (const line of lines) {
    if (line.event !== 'fire') continue;
    const id = line.fields[2]!;
    runs.set(id, [...(runs.get(id) ?? []), line]);
  }
  return [...runs]
    .filter(([, fired]) => fired.filter((line) => line.pid !== crashedPid).length > 1)
    .map(
      ([id, fired]) =>
        `${id} ran ${fired.length} times (pids ${fired.map((line) => line.pid).join(', ')})`,
    );
}
