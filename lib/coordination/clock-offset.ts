/** How many round trips one measurement takes: the shortest bounds the server's clock the tightest. */
const SAMPLES = 3;

/**
 * The offset of a server's clock to `now` (ms): of a few round trips, the
 * shortest gives the tightest bound, and the server is taken to have read
 * its clock at that round trip's middle. Null when no reading was usable.
 */
export async function measureClockOffset(
  now: () => number,
  readServerClock: () => Promise<number>,
): Promise<number | null> {
  let best: { rtt: number; offset: number } | null = null;
  for (let sample = 0; sample < SAMPLES; sample += 1) {
    const sent = now();
    const serverNow = await readServerClock();
    const received = now();
    if (!Number.isFinite(serverNow)) continue;
    const rtt = received - sent;
    if (best === null || rtt < best.rtt) {
      best = { rtt, offset: Math.round(serverNow - (sent + received) / 2) };
    }
  }
  return best?.offset ?? null;
}
