/** True when a NaN hides anywhere in a result, however deeply nested. */
export function containsNaN(value: unknown): boolean {
  if (typeof value === 'number') return Number.isNaN(value);
  if (Array.isArray(value)) return value.some(containsNaN);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsNaN);
  return false;
}
