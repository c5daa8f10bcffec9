import type { EngineContext } from './engine-context.js';

/**
 * Warns, once per task name, about waiting tasks that no handler of this
 * application runs (their handler was renamed or removed since they were
 * stored). They are kept, not failed: they run again as soon as a node that
 * has the handler claims them, and getStats() counts them as `orphaned`.
 */
export async function warnAboutOrphans(ctx: EngineContext): Promise<void> {
  const waiting = new Map<string, number>();
  for (const { name, status, count } of await ctx.store.countTasks()) {
    if ((status === 'pending' || status === 'retrying') && !ctx.handlers.names.has(name)) {
      waiting.set(name, (waiting.get(name) ?? 0) + count);
    }
  }
  for (const [name, count] of waiting) {
    ctx.logger.warn(
      `${count} waiting task(s) named ${JSON.stringify(name)} have no handler in this application; they stay pending until a node with that handler runs them`,
    );
  }
}
