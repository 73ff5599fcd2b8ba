import type { ReferenceFixture, ToleranceClass } from './fixture';

function compareNumber(got: unknown, expected: number, rule: ToleranceClass, at: string): string[] {
  if (typeof got !== 'number' || !Number.isFinite(got)) {
    return [`${at}: expected a finite number, got ${String(got)}`];
  }
  if (rule.exact)
    return got === expected ? [] : [`${at}: got ${got}, expected exactly ${expected}`];
  const difference = Math.abs(got - expected);
  if (difference <= rule.abs || difference <= rule.rel * Math.abs(expected)) return [];
  return [`${at}: got ${got}, expected ${expected} (off by ${difference})`];
}

/**
 * The fixture's tolerance rule: a number matches if |got − expected| <= abs or
 * <= rel·|expected| for its class ('integer' must be identical); got must be finite; objects
 * compare only the keys present in expected; arrays compare element-wise at equal length.
 * Returns one message per mismatch, so a passing comparison returns [].
 */
export function compareWithReference(
  fixture: ReferenceFixture,
  fn: string,
  got: unknown,
  expected: unknown,
): string[] {
  const fields = fixture.tolerance.fields[fn];
  if (!fields) return [`${fn}: no tolerance fields in the fixture`];
  const classOf = (field: string): ToleranceClass | undefined => {
    const name = fields[field];
    return name === undefined ? undefined : fixture.tolerance.classes[name];
  };

  if (typeof expected === 'number') {
    const rule = classOf('');
    return rule ? compareNumber(got, expected, rule, fn) : [`${fn}: no class for a scalar`];
  }
  if (Array.isArray(expected)) {
    const rule = classOf('[]');
    if (!rule) return [`${fn}: no class for array elements`];
    if (!Array.isArray(got) || got.length !== expected.length) {
      return [`${fn}: expected an array of ${expected.length}, got ${JSON.stringify(got)}`];
    }
    return expected.flatMap((value, index) =>
      compareNumber(got[index], value as number, rule, `${fn}[${index}]`),
    );
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof got !== 'object' || got === null) return [`${fn}: expected an object`];
    return Object.entries(expected).flatMap(([key, value]) => {
      const rule = classOf(key);
      if (!rule) return [`${fn}.${key}: no tolerance class`];
      return compareNumber(
        (got as Record<string, unknown>)[key],
        value as number,
        rule,
        `${fn}.${key}`,
      );
    });
  }
  return [`${fn}: unsupported expected value ${JSON.stringify(expected)}`];
}
