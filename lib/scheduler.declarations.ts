import type { Duration } from './core/duration.js';
import type { ScheduleDefinition } from './core/schedule-factory.js';
import type { JobOptions } from './core/task-factory.js';
import type { ScheduleMetadata } from './interfaces/task-decorator-options.interface.js';

/** A @Delayed declaration: one task, `delay` after startup. */
export interface DelayedStart {
  taskName: string;
  delay: Duration;
  payload: unknown;
  options: JobOptions;
}

/**
 * Turns a handler's schedule decorators into engine definitions. A
 * schedule's id is its decorator's `name`, else the task name (`:2`, `:3`
 * for further unnamed ones), so ids are stable across restarts and
 * decorator schedules can be reconciled with what is stored.
 */
export function declaredSchedules(
  taskName: string,
  metadata: readonly ScheduleMetadata[],
): { schedules: ScheduleDefinition[]; delayed: DelayedStart[] } {
  const schedules: ScheduleDefinition[] = [];
  const delayed: DelayedStart[] = [];
  const used = new Set<string>();
  for (const declaration of metadata) {
    const { name, payload, enabled, queue, priority, retries, timeout, ...rest } =
      declaration.options;
    if (enabled === false) continue;
    const id = uniqueId(name ?? taskName, used);
    const common = { id, queue, priority, retries, timeout };
    if (declaration.kind === 'delayed') {
      delayed.push({
        taskName,
        delay: declaration.delay,
        payload,
        options: { ...common, id: `${id}@startup` },
      });
      continue;
    }
    schedules.push({
      kind: declaration.kind,
      rule: declaration.kind === 'cron' ? declaration.expression : declaration.interval,
      taskName,
      payload,
      options: { ...common, ...rest },
      source: 'decorator',
    });
  }
  return { schedules, delayed };
}

function uniqueId(base: string, used: Set<string>): string {
  let id = base;
  for (let n = 2; used.has(id); n += 1) id = `${base}:${n}`;
  used.add(id);
  return id;
}
