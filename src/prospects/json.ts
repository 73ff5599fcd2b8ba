import { badRequest } from '../errors';
import type { ParsedUpload } from './csv';
import {
  emailProblem,
  KNOWN_COLUMNS,
  MAX_FIELD_LENGTH,
  MAX_ROW_LENGTH,
  normaliseColumn,
  normaliseEmail,
  type ProspectRecord,
} from './records';

function toRecord(item: unknown): ProspectRecord | string {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return 'not an object with an "email" field';
  }
  const known = new Set<string>(KNOWN_COLUMNS);
  const values: Record<string, string | null> = {};
  const attributes: Record<string, string> = {};
  let length = 0;

  for (const [rawName, raw] of Object.entries(item)) {
    const name = normaliseColumn(rawName);
    if (raw === null || raw === undefined) continue;
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      return `field "${rawName}" must be text, a number or true/false`;
    }
    const value = String(raw).trim();
    if (value.length > MAX_FIELD_LENGTH) {
      return `row too long: a field over ${MAX_FIELD_LENGTH} characters`;
    }
    length += value.length + name.length;
    if (value === '') continue;
    if (known.has(name)) values[name] = value;
    else attributes[name] = value;
  }
  if (length > MAX_ROW_LENGTH) return `row too long: over ${MAX_ROW_LENGTH} characters`;

  const email = normaliseEmail(values.email ?? '');
  const invalid = emailProblem(email);
  if (invalid) return invalid;

  return {
    email,
    firstName: values.first_name ?? null,
    lastName: values.last_name ?? null,
    externalId: values.external_id ?? null,
    source: values.source ?? null,
    attributes: Object.keys(attributes).length > 0 ? JSON.stringify(attributes) : null,
  };
}

/**
 * Reads a JSON upload: an array of objects with the same fields as the CSV columns. Element
 * i is reported as row i + 2, so that the numbers read like the CSV's.
 */
export function parseProspectJson(body: unknown): ParsedUpload {
  if (!Array.isArray(body)) {
    throw badRequest('The JSON body must be an array of prospects, e.g. [{"email": "…"}].');
  }
  const upload: ParsedUpload = { records: [], rejected: [] };
  body.forEach((item: unknown, i) => {
    const row = i + 2;
    const result = toRecord(item);
    if (typeof result === 'string') upload.rejected.push({ row, reason: result });
    else upload.records.push({ row, record: result });
  });
  return upload;
}
