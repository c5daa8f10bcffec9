import { reportBackground } from './toasts.js';

/** Runs a load one request at a time, at most once per interval, and never drops a request. */
export class Refresher {
  constructor(run, minIntervalMs) {
    this.run = run;
    this.minIntervalMs = minIntervalMs;
    this.running = false;
    this.again = false;
    this.urgent = false;
    this.timer = null;
    this.lastStart = 0;
  }

  /** Runs soon: now if the last run is old enough, otherwise when it is. */
  request() {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastStart + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => this.start(), wait);
  }

  /** Runs now (or right after the run in flight), for answers to the operator's own actions. */
  async now() {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.running) {
      this.again = true;
      this.urgent = true;
      return;
    }
    await this.start();
  }

  async start() {
    this.timer = null;
    this.running = true;
    this.again = false;
    this.urgent = false;
    this.lastStart = Date.now();
    try {
      await this.run();
    } catch (error) {
      reportBackground(error);
    } finally {
      this.running = false;
      if (this.again && this.urgent) void this.start();
      else if (this.again) this.request();
    }
  }
}
