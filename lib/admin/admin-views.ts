import type { SchedulerEvent } from '../core/events.js';
import type { ScheduleInfo, TaskInfo } from '../core/types.js';
import { redact } from './redact.js';

/** What the admin API shows of a task: the TaskInfo, its payload redacted. */
export function taskView(task: TaskInfo, keys: ReadonlySet<string>): TaskInfo {
  const payload = redact(task.payload, keys);
  return payload === task.payload ? task : { ...task, payload };
}

export function scheduleView(schedule: ScheduleInfo, keys: ReadonlySet<string>): ScheduleInfo {
  const payload = redact(schedule.payload, keys);
  return payload === schedule.payload ? schedule : { ...schedule, payload };
}

/** An event as the stream sends it: its task and schedule redacted like the API's. */
export function eventView(event: SchedulerEvent, keys: ReadonlySet<string>): SchedulerEvent {
  let view = event;
  if ('task' in event && event.task !== undefined) {
    const task = taskView(event.task, keys);
    if (task !== event.task) view = { ...view, task } as SchedulerEvent;
  }
  if ('schedule' in event && event.schedule !== undefined) {
    const schedule = scheduleView(event.schedule, keys);
    if (schedule !== event.schedule) view = { ...view, schedule } as SchedulerEvent;
  }
  return view;
}
