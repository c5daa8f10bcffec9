import { describe, expect, it } from '@jest/globals';
import { describeValue, InvalidDurationError, QueueFullError } from '../../../lib/core/errors.js';

describe('errors', () => {
  it('carries a stable code and names the bad value', () => {
    const error = new InvalidDurationError('delay', '5 parsecs');
    expect(error.code).toBe('INVALID_DURATION');
    expect(error.name).toBe('InvalidDurationError');
    expect(error.message).toContain('"5 parsecs"');
    expect(new QueueFullError('high', 3).message).toContain('maxSize 3');
  });

  it('quotes markup and control characters inertly and cuts long values', () => {
    expect(describeValue('<img src=x onerror=alert(1)>\n')).toBe(
      '"<img src=x onerror=alert(1)>\\n"',
    );
    expect(describeValue('x'.repeat(500))).toContain('(500 characters)');
    expect(describeValue(10n)).toBe('10n (a BigInt)');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue(new Map())).toBe('an instance of Map');
    expect(describeValue(Number.NaN)).toBe('NaN');
  });
});
