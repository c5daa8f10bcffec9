/**
 * The engine's warnings and errors during a soak: which ones the scenario
 * explains, and which are unexpected.
 */
import type { RecordingLogger } from '../../utils/scheduler-harness.js';
import type { RunLog } from './run-log.js';

const DROPPED_FIRE = /^schedule \S+: queue \S+ is full, fire (\S+) dropped$/;
const LATE_RESULT = /^task \S+ (\S+) attempt \d+ ended, but the task had changed meanwhile/;
const SHUTDOWN_ABORT = /^shutdown: \d+ task\(s\) still running after \d+ ms were aborted/;

/** Fire ids the engine reported dropping because their queue was full. */
export function droppedFires(logger: RecordingLogger): Set<string> {
  const dropped = new Set<string>();
  for (const line of logger.warnings) {
    const match = DROPPED_FIRE.exec(line);
    if (match !== null) dropped.add(match[1]!);
  }
  return dropped;
}

/** Tasks whose 'cancelled' event came while they were running. */
function cancelledWhileRunning(log: RunLog): Set<string> {
  const status = new Map<string, string>();
  const ids = new Set<string>();
  for (const { event } of log.events()) {
    if (event.type === 'queue-full' || event.type === 'schedule-fired') continue;
    if (event.type === 'cancelled' && status.get(event.task.id) === 'running') {
      ids.add(event.task.id);
    }
    status.set(event.task.id, event.task.status);
  }
  return ids;
}

/**
 * Warnings and errors nothing in the run explains. Explained: a fire dropped
 * by a full queue; the result of an attempt whose task was cancelled while it
 * ran (a timed-out attempt winding down, say); and, if the stop had to abort
 * tasks, one shutdown warning.
 */
export function unexpectedLogLines(
  log: RunLog,
  logger: RecordingLogger,
  options: { shutdownAborts: boolean },
): string[] {
  const cancelled = cancelledWhileRunning(log);
  const unexpected: string[] = [];
  let shutdownWarnings = 0;
  for (const { level, message } of logger.lines) {
    if (level === 'error') unexpected.push(`error: ${message}`);
    if (level !== 'warn') continue;
    if (DROPPED_FIRE.test(message)) continue;
    const late = LATE_RESULT.exec(message);
    if (late !== null && cancelled.has(late[1]!)) continue;
    if (options.shutdownAborts && SHUTDOWN_ABORT.test(message) && shutdownWarnings++ === 0) {
      continue;
    }
    unexpected.push(`warn: ${message}`);
  }
  return unexpected;
}
