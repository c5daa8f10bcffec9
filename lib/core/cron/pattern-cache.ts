/** Shared compiled cron patterns, and the parsing (through croner) that produces them. */
import { CronPattern } from 'croner';
import { InvalidCronExpressionError } from '../errors.js';
import { CompiledPattern } from './compiled-pattern.js';

/**
 * Compiled patterns by text, held weakly: schedules with the same text share
 * one while any of them lives, and nothing is kept after the last one goes
 * (a long-running process may see millions of distinct texts over time).
 */
const shared = new Map<string, WeakRef<CompiledPattern>>();
const collected = new FinalizationRegistry<string>((expression) => {
  if (shared.get(expression)?.deref() === undefined) shared.delete(expression);
});

/** The last few patterns stay strongly held, so that parsing a text twice in a row compiles it once. */
const recent: CompiledPattern[] = [];
const RECENT_LIMIT = 16;

/**
 * Parses a cron pattern (5 fields, or 6 with leading seconds, or a macro such
 * as `@daily`) into its shared compiled form.
 *
 * @throws InvalidCronExpressionError when croner rejects the text or the pattern never fires.
 */
export function compilePattern(expression: string): CompiledPattern {
  const cached = shared.get(expression)?.deref();
  if (cached !== undefined) return remember(cached);
  const compiled = new CompiledPattern(parseWithCroner(expression));
  if (!compiled.firesWithinCycle()) {
    throw new InvalidCronExpressionError(expression, 'it never fires');
  }
  shared.set(expression, new WeakRef(compiled));
  collected.register(compiled, expression);
  return remember(compiled);
}

function remember(pattern: CompiledPattern): CompiledPattern {
  if (recent.at(-1) !== pattern) {
    recent.push(pattern);
    if (recent.length > RECENT_LIMIT) recent.shift();
  }
  return pattern;
}

/** How many compiled patterns are alive and shared (for tests and diagnostics). */
export function compiledPatternCacheSize(): number {
  let alive = 0;
  for (const ref of shared.values()) if (ref.deref() !== undefined) alive += 1;
  return alive;
}

/** Macros croner expands; `@reboot` is listed so that croner explains why it is refused. */
const MACROS = '@yearly @annually @monthly @weekly @daily @midnight @hourly @reboot'.split(' ');

function parseWithCroner(expression: string): CronPattern {
  if (expression.startsWith('@') && !MACROS.includes(expression.toLowerCase())) {
    throw new InvalidCronExpressionError(
      expression,
      `unknown macro; use one of ${MACROS.slice(0, -1).join(', ')}`,
    );
  }
  const fields = expression.split(/\s+/).length;
  if (!expression.startsWith('@') && fields !== 5 && fields !== 6) {
    throw new InvalidCronExpressionError(
      expression,
      `it has ${fields} field${fields === 1 ? '' : 's'}; use 5 fields (minute hour day-of-month month day-of-week), or 6 with leading seconds`,
    );
  }
  try {
    return new CronPattern(expression, undefined, { mode: '5-or-6-parts' });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const reason = text.replace(/^CronPattern:\s*/, '').replace(/\.+$/, '');
    throw new InvalidCronExpressionError(expression, reason);
  }
}
