import { InvalidArgumentError, InvalidPayloadError, PayloadTooLargeError } from './errors.js';

/** Task, queue and schedule names: letters, digits and `_ . : -`, 1 to 100 characters. */
export const NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,100}$/;

/** Task ids: like names, plus `@` (fire ids are `schedule@time`), up to 200 characters. */
export const ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,200}$/;

/** Throws unless `value` is a valid task, queue or schedule name. */
export function assertName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new InvalidArgumentError(field, value, `it must match ${NAME_PATTERN}`);
  }
  return value;
}

/** Throws unless `value` is a valid task id. */
export function assertId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new InvalidArgumentError(field, value, `it must match ${ID_PATTERN}`);
  }
  return value;
}

/** Throws unless `value` is an integer within `[min, max]`. */
export function assertInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(field, value, `it must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Task priorities: higher runs first. */
export const PRIORITY_RANGE = { min: -1_000_000, max: 1_000_000 } as const;

/** Throws unless `value` is a valid priority. */
export function assertPriority(field: string, value: unknown): number {
  return assertInteger(field, value, PRIORITY_RANGE.min, PRIORITY_RANGE.max);
}

/**
 * Serializes a payload after checking that it is plain JSON, so that what a
 * handler receives is exactly what was added, on every store. `undefined`
 * object properties are dropped, as JSON does; everything JSON would change
 * silently (functions, NaN, Dates, Maps, class instances, `undefined` in
 * arrays) or choke on (cycles, BigInt) is refused with its path.
 */
export function serializePayload(payload: unknown, maxBytes: number): string {
  if (payload === undefined) return 'null';
  assertPlainJson(payload, '$', new Set());
  const json = JSON.stringify(payload);
  // Cheap bound first: UTF-8 takes at most 3 bytes per UTF-16 unit.
  if (json.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > maxBytes) throw new PayloadTooLargeError(bytes, maxBytes);
  }
  return json;
}

function assertPlainJson(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidPayloadError(path, `${value} is not finite`);
      return;
    case 'object':
      if (value === null) return;
      assertPlainContainer(value, path, ancestors);
      return;
    case 'bigint':
      throw new InvalidPayloadError(path, 'a BigInt cannot be represented in JSON');
    default:
      throw new InvalidPayloadError(path, `a value of type ${typeof value} is not JSON`);
  }
}

function assertPlainContainer(value: object, path: string, ancestors: Set<object>): void {
  if (ancestors.has(value)) throw new InvalidPayloadError(path, 'it refers back to itself');
  ancestors.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (item === undefined) throw new InvalidPayloadError(`${path}[${index}]`, 'undefined');
      assertPlainJson(item, `${path}[${index}]`, ancestors);
    });
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'class';
      throw new InvalidPayloadError(path, `an instance of ${kind} is not plain JSON`);
    }
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) assertPlainJson(item, childPath(path, key), ancestors);
    }
  }
  ancestors.delete(value);
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
