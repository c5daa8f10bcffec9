/**
 * Where the engine writes its log lines. Nest's `Logger` fits this shape;
 * so does `console`.
 */
export interface SchedulerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, trace?: string): void;
  debug?(message: string): void;
}

/** The engine's default logger: console, with a prefix. */
export const consoleLogger: SchedulerLogger = {
  log: (message) => console.log(`[scheduler] ${message}`),
  warn: (message) => console.warn(`[scheduler] ${message}`),
  error: (message, trace) => console.error(`[scheduler] ${message}`, ...(trace ? [trace] : [])),
};

/** The message of anything thrown, for logs and task records. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : `non-error value thrown: ${String(error)}`;
}
