/**
 * Splits a batch so that no statement grows past the driver's limits: a
 * number of rows (bound parameters) and a number of bytes (a MySQL packet is
 * 16 MiB by default, and a payload may be megabytes).
 */
export function chunks<T>(
  items: readonly T[],
  maxItems: number,
  maxBytes = Number.POSITIVE_INFINITY,
  bytesOf: (item: T) => number = () => 0,
): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
