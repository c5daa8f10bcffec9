import { AttemptRecorder } from './attempt-recorder.js';
import { Dispatcher } from './dispatcher.js';
import type { EngineContext } from './engine-context.js';
import { LeaseKeeper } from './lease-keeper.js';
import { Retention } from './retention.js';
import { ScheduleFactory } from './schedule-factory.js';
import { ScheduleRunner } from './schedule-runner.js';
import { ThroughputMeter } from './stats.js';
import { StatsReporter } from './stats-reporter.js';
import { TaskAdder } from './task-adder.js';
import { TaskCommands } from './task-commands.js';
import { TaskFactory } from './task-factory.js';

/** The working parts of one engine, wired to each other. */
export interface EngineParts {
  dispatcher: Dispatcher;
  adder: TaskAdder;
  commands: TaskCommands;
  schedules: ScheduleRunner;
  retention: Retention;
  reporter: StatsReporter;
  leases: LeaseKeeper;
}

/**
 * Builds the engine's parts. Every task that reaches a final state is
 * reported to retention (which counts towards its next sweep) and to the
 * schedules (whose overlap policy may let a held-back fire go).
 */
export function assembleEngine(ctx: EngineContext): EngineParts {
  const startedAt = ctx.clock.now();
  const throughput = new ThroughputMeter(ctx.clock, startedAt);
  const retention = new Retention(ctx);
  const finished = (taskId: string, scheduleId: string | null): void => {
    retention.noteFinished();
    if (scheduleId !== null) schedules.runFinished(taskId, scheduleId);
  };
  const recorder = new AttemptRecorder(ctx, throughput, {
    finished,
    // A retry or a task handed back at shutdown may run on any instance: tell the others too.
    waiting: (queue, dueAt) => {
      dispatcher.workAvailable(queue, dueAt);
      ctx.coordinator.announceWork(queue, dueAt);
    },
  });
  const dispatcher = new Dispatcher(ctx, {
    started: (attempt) => {
      recorder.started(attempt);
      leases.attemptStarted();
    },
    settled: (attempt, outcome) => recorder.settled(attempt, outcome),
    claimUnanswered: () => leases.claimUnanswered(),
  });
  const leases = new LeaseKeeper(ctx, dispatcher, recorder);
  const adder = new TaskAdder(ctx, new TaskFactory(ctx), dispatcher);
  const commands = new TaskCommands(ctx, adder, dispatcher, (record) =>
    finished(record.id, record.scheduleId),
  );
  const schedules = new ScheduleRunner(ctx, new ScheduleFactory(ctx), adder, dispatcher);
  const reporter = new StatsReporter(ctx, throughput, startedAt);
  return { dispatcher, adder, commands, schedules, retention, reporter, leases };
}
