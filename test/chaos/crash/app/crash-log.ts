import { appendFileSync } from 'node:fs';

/**
 * The crash app's record of what it did, one line per event, appended with a
 * write call each: a line written before a SIGKILL is in the file, because
 * the kernel holds it whether or not the process lives on.
 */
export class CrashLog {
  constructor(private readonly path: string) {}

  write(event: string, ...fields: (string | number | null)[]): void {
    appendFileSync(this.path, `${[event, process.pid, Date.now(), ...fields].join(' ')}\n`);
  }
}
