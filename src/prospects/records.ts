/** One prospect as read from an upload, before it meets the database. */
export interface ProspectRecord {
  email: string;
  firstName: string | null;
  lastName: string | null;
  externalId: string | null;
  source: string | null;
  /** Extra columns, already serialised as a JSON object, or null when there are none. */
  attributes: string | null;
}

export interface RejectedRow {
  /** The row's number as a spreadsheet shows it: the header is row 1, the first prospect row 2. */
  row: number;
  reason: string;
}

/** Columns with a meaning of their own; any other column is kept as an attribute. */
export const KNOWN_COLUMNS = ['email', 'first_name', 'last_name', 'external_id', 'source'] as const;

export const MAX_EMAIL_LENGTH = 254;
export const MAX_FIELD_LENGTH = 1000;
export const MAX_ROW_LENGTH = 8 * 1024;

// Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is the provider's
// call; this catches typing and export mistakes without refusing unusual real addresses.
const EMAIL = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\.]{2,}$/;

export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Why an email cannot be used, or null when it can. */
export function emailProblem(email: string): string | null {
  if (email === '') return 'missing email';
  if (email.length > MAX_EMAIL_LENGTH) return 'invalid email: longer than 254 characters';
  if (!EMAIL.test(email)) return `invalid email: "${email.slice(0, 80)}"`;
  return null;
}

/** Lower-case header names, with spaces and dashes folded to underscores: "First Name" works. */
export function normaliseColumn(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** An empty or blank field is the same as an absent one. */
export function field(value: string | undefined): string | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}
