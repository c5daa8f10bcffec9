import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

const host = (): string =>
  hostname()
    .replace(/[^A-Za-z0-9_.-]/g, '')
    .slice(0, 40) || 'node';

/** A node id unique across hosts, processes and restarts: `host-pid-random`. */
export function generateNodeId(): string {
  return `${host()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Whether a process of this host with that pid is running (permission errors mean it is). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the node `nodeId` has certainly stopped, as far as this host can
 * tell: a generated id names its host and process, so a node of this host
 * whose process is gone (or whose pid is now ours, as after a container
 * restart) has stopped. Anything else is unknown (false).
 */
export function hostNodeGone(nodeId: string, ownNodeId: string): boolean {
  if (nodeId === ownNodeId) return false;
  const match = /^(.+)-(\d+)-[0-9a-f]{6}$/.exec(nodeId);
  if (match === null) return false;
  const [, nodeHost, pid] = match;
  if (nodeHost !== host()) return false;
  return Number(pid) === process.pid || !processAlive(Number(pid));
}
