import { readFileSync } from 'node:fs';

export type ToleranceClass =
  | { rel: number; abs: number; exact?: undefined }
  | { exact: true; rel?: undefined; abs?: undefined };

export interface ReferenceCase {
  id: string;
  fn: string;
  tag: string;
  args: unknown[];
  expected: unknown;
}

export interface UndefinedCase {
  id: string;
  fn: string;
  tag: string;
  args: unknown[];
}

export interface ReferenceFixture {
  tolerance: {
    rule: string;
    classes: Record<string, ToleranceClass>;
    fields: Record<string, Record<string, string>>;
  };
  cases: ReferenceCase[];
  undefined: UndefinedCase[];
}

/** The reference cases computed with SciPy, statsmodels and R, kept in test/fixtures. */
export function loadFixture(): ReferenceFixture {
  const path = new URL('../../fixtures/stats-cases.json', import.meta.url);
  return JSON.parse(readFileSync(path, 'utf8')) as ReferenceFixture;
}
