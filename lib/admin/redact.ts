export const REDACTED = '[redacted]';
const MAX_DEPTH = 32;

/**
 * A copy of `value` whose properties named in `keys` (lower-cased; matched
 * case-insensitively, at any depth, in objects and arrays) read "[redacted]".
 * Values that need no change are returned as they are, not copied.
 */
export function redact(value: unknown, keys: ReadonlySet<string>, depth = 0): unknown {
  if (keys.size === 0 || value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return REDACTED; // deeper than any real payload: show nothing rather than risk it
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    value.forEach((item, index) => {
      const redacted = redact(item, keys, depth + 1);
      if (redacted !== item) (copy ??= [...value])[index] = redacted;
    });
    return copy ?? value;
  }
  let copy: Record<string, unknown> | null = null;
  for (const [key, item] of Object.entries(value)) {
    const redacted = keys.has(key.toLowerCase()) ? REDACTED : redact(item, keys, depth + 1);
    if (redacted !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = redacted;
  }
  return copy ?? value;
}
