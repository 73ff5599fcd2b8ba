import type { Readable } from 'node:stream';
import { badRequest } from '../errors';
import { streamCsvRecords } from './csv-stream';
import {
  emailProblem,
  field,
  KNOWN_COLUMNS,
  MAX_FIELD_LENGTH,
  MAX_ROW_LENGTH,
  normaliseColumn,
  normaliseEmail,
  type ProspectRecord,
  type RejectedRow,
} from './records';

export interface ParsedUpload {
  records: { row: number; record: ProspectRecord }[];
  rejected: RejectedRow[];
}

interface Columns {
  count: number;
  email: number;
  firstName: number;
  lastName: number;
  externalId: number;
  source: number;
  /** Positions and names of the columns kept as attributes. */
  extra: [number, string][];
}

function readHeader(header: string[]): Columns {
  const names = header.map(normaliseColumn);
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '') throw badRequest('The CSV header has an empty column name.');
    if (seen.has(name)) throw badRequest(`The CSV header names the column "${name}" twice.`);
    seen.add(name);
  }
  if (!seen.has('email')) {
    throw badRequest(
      'The CSV has no "email" column. The first row must name the columns, one of them "email".',
      { columns: names.slice(0, 20) },
    );
  }
  const known = new Set<string>(KNOWN_COLUMNS);
  return {
    count: names.length,
    email: names.indexOf('email'),
    firstName: names.indexOf('first_name'),
    lastName: names.indexOf('last_name'),
    externalId: names.indexOf('external_id'),
    source: names.indexOf('source'),
    extra: names.flatMap((name, i): [number, string][] => (known.has(name) ? [] : [[i, name]])),
  };
}

function rowProblem(fields: string[], columns: Columns): string | null {
  if (fields.length > columns.count) {
    return `row has ${fields.length} columns but the header has ${columns.count}`;
  }
  let length = 0;
  for (const value of fields) {
    if (value.length > MAX_FIELD_LENGTH)
      return `row too long: a field over ${MAX_FIELD_LENGTH} characters`;
    length += value.length + 1;
  }
  if (length > MAX_ROW_LENGTH) return `row too long: over ${MAX_ROW_LENGTH} characters`;
  return null;
}

function toRecord(fields: string[], columns: Columns): ProspectRecord | string {
  const problem = rowProblem(fields, columns);
  if (problem) return problem;

  const email = normaliseEmail(fields[columns.email] ?? '');
  const invalid = emailProblem(email);
  if (invalid) return invalid;

  let attributes: string | null = null;
  if (columns.extra.length > 0) {
    const values: Record<string, string> = {};
    let any = false;
    for (const [i, name] of columns.extra) {
      const value = field(fields[i]);
      if (value !== null) {
        values[name] = value;
        any = true;
      }
    }
    if (any) attributes = JSON.stringify(values);
  }

  return {
    email,
    firstName: field(fields[columns.firstName]),
    lastName: field(fields[columns.lastName]),
    externalId: field(fields[columns.externalId]),
    source: field(fields[columns.source]),
    attributes,
  };
}

/**
 * Reads a CSV upload as it streams in. Rows that cannot be used are listed with a reason;
 * a body that is not CSV at all, or has no email column, is refused whole.
 */
export async function parseProspectCsv(input: Readable, maxBytes: number): Promise<ParsedUpload> {
  const records: ParsedUpload['records'] = [];
  const rejected: RejectedRow[] = [];
  let columns: Columns | undefined;

  await streamCsvRecords(input, maxBytes, (fields, row) => {
    if (!columns) {
      columns = readHeader(fields);
      return;
    }
    const result = toRecord(fields, columns);
    if (typeof result === 'string') rejected.push({ row, reason: result });
    else records.push({ row, record: result });
  });

  if (!columns) throw badRequest('The CSV is empty: it needs a header row with an "email" column.');
  return { records, rejected };
}
