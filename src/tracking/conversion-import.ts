import type { Readable } from 'node:stream';
import type { Context } from '../context';
import { badRequest } from '../errors';
import { streamCsvRecords } from '../prospects/csv-stream';
import { MAX_FIELD_LENGTH, MAX_ROW_LENGTH, normaliseColumn } from '../prospects/records';
import {
  IMPORT_COLUMNS,
  importRowReport,
  type ImportColumn,
  type ImportRow,
  type ImportDefaults,
  type ImportFields,
} from './conversion-input';
import {
  notAttributedMessages,
  recordConversionBatch,
  type ConversionReport,
  type NotAttributedReason,
} from './conversions';

/** The rows listed in each list of an answer; the counts cover them all. */
const MAX_LISTED = 1000;

export interface RowProblem {
  /** As a spreadsheet numbers it: the header is row 1, the first data row 2. */
  row: number;
  reason: string;
}

export interface ParsedConversionUpload {
  /** `derivedKey` when the row had no idempotency key and one was derived from it. */
  reports: { row: number; report: ConversionReport; derivedKey: boolean }[];
  rejected: RowProblem[];
}

export interface ConversionImportSummary {
  /** Rows that counted for at least one campaign. */
  imported: number;
  /** Rows already counted by an earlier report with the same key: nothing changed. */
  duplicates: number;
  /** Valid rows that count for no campaign: unknown prospect, or no email explains them. */
  unmatched: (RowProblem & { code: NotAttributedReason })[];
  unmatchedCount: number;
  /** Rows that cannot be used as they are. */
  rejected: RowProblem[];
  rejectedCount: number;
  /** Rows that counted, but whose value was not added: it is in another currency. */
  valueSkipped: RowProblem[];
  valueSkippedCount: number;
}

/** Where each known column sits in a CSV row; unknown columns are ignored. */
type Columns = { count: number; at: [ImportColumn, number][] };

function readHeader(header: string[], defaults: ImportDefaults): Columns {
  const known = new Set<string>(IMPORT_COLUMNS);
  const at: [ImportColumn, number][] = [];
  header.map(normaliseColumn).forEach((name, i) => {
    if (!known.has(name)) return;
    if (at.some(([seen]) => seen === name)) {
      throw badRequest(`The CSV header names the column "${name}" twice.`);
    }
    at.push([name as ImportColumn, i]);
  });
  const has = (name: ImportColumn) => at.some(([seen]) => seen === name);

  if (!has('email') && !has('external_id')) {
    throw badRequest(
      'The CSV has neither an "email" nor an "external_id" column. The first row must name ' +
        'the columns: email or external_id, goal, value, currency, date, idempotency_key.',
    );
  }
  if (!has('date')) {
    throw badRequest('The CSV has no "date" column: give each conversion’s date (YYYY-MM-DD).');
  }
  if (!has('goal') && !defaults.goal) {
    throw badRequest(
      'The CSV has no "goal" column. Add one, or give the goal of every row as ?goal=… .',
    );
  }
  return { count: header.length, at };
}

function rowFields(fields: string[], columns: Columns): ImportFields | string {
  if (fields.length > columns.count) {
    return `row has ${fields.length} columns but the header has ${columns.count}`;
  }
  let length = 0;
  for (const value of fields) {
    if (value.length > MAX_FIELD_LENGTH) return `a field is over ${MAX_FIELD_LENGTH} characters`;
    length += value.length + 1;
  }
  if (length > MAX_ROW_LENGTH) return `row is over ${MAX_ROW_LENGTH} characters`;

  const result: ImportFields = {};
  for (const [name, i] of columns.at) {
    const value = fields[i]?.trim();
    if (value) result[name] = value;
  }
  return result;
}

/**
 * Reads a CSV of conversions as it streams in. Rows that cannot be used are listed with a
 * reason; a body that is not CSV, or lacks the columns every row needs, is refused whole.
 * TODO: the rows are held in memory until the whole file is read, so that a refused file
 * writes nothing; files far beyond the default 20 MiB would want a staging table instead.
 */
export async function parseConversionCsv(
  input: Readable,
  maxBytes: number,
  defaults: ImportDefaults,
  now: number,
): Promise<ParsedConversionUpload> {
  const upload: ParsedConversionUpload = { reports: [], rejected: [] };
  let columns: Columns | undefined;

  await streamCsvRecords(input, maxBytes, (fields, row) => {
    if (!columns) {
      columns = readHeader(fields, defaults);
      return;
    }
    const read = rowFields(fields, columns);
    addRow(upload, row, typeof read === 'string' ? read : importRowReport(read, defaults, now));
  });

  if (!columns) {
    throw badRequest('The CSV is empty: it needs a header row naming the columns.');
  }
  return upload;
}

function addRow(upload: ParsedConversionUpload, row: number, read: ImportRow | string): void {
  if (typeof read === 'string') {
    upload.rejected.push({ row, reason: read });
    return;
  }
  const { report, derivedKey } = read;
  upload.reports.push({ row, derivedKey, report: { ...report, source: 'import' } });
}

const PLAIN_NAME = /^[A-Za-z0-9_]{1,40}$/;

function jsonFields(item: unknown): ImportFields | string {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return 'not an object with "email" or "external_id", "goal" and "date"';
  }
  const known = new Set<string>(IMPORT_COLUMNS);
  const result: ImportFields = {};
  for (const [name, raw] of Object.entries(item)) {
    if (!known.has(name)) {
      const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      if (known.has(snake)) return `field "${name}" is spelt "${snake}" here`;
      return PLAIN_NAME.test(name)
        ? `unknown field "${name}"; the fields are ${IMPORT_COLUMNS.join(', ')}`
        : `unknown field; the fields are ${IMPORT_COLUMNS.join(', ')}`;
    }
    if (raw === null || raw === undefined) continue;
    if (name === 'value' && typeof raw === 'number') {
      result.value = raw;
      continue;
    }
    if (typeof raw !== 'string') return `field "${name}" must be text`;
    const value = raw.trim();
    if (value.length > MAX_FIELD_LENGTH) return `a field is over ${MAX_FIELD_LENGTH} characters`;
    if (value) result[name as ImportColumn] = value;
  }
  return result;
}

/**
 * Reads a JSON import: an array of objects with the CSV's column names as fields (snake_case).
 * Element i is reported as row i + 2, so that the numbers read like the CSV's.
 */
export function parseConversionJson(
  body: unknown,
  defaults: ImportDefaults,
  now: number,
): ParsedConversionUpload {
  if (!Array.isArray(body)) {
    throw badRequest(
      'The JSON body must be an array of conversions, e.g. ' +
        '[{"email": "ann@example.com", "goal": "purchase", "date": "2026-03-02"}].',
    );
  }
  const upload: ParsedConversionUpload = { reports: [], rejected: [] };
  body.forEach((item: unknown, i) => {
    const fields = jsonFields(item);
    addRow(
      upload,
      i + 2,
      typeof fields === 'string' ? fields : importRowReport(fields, defaults, now),
    );
  });
  return upload;
}

/** Records a parsed upload in one transaction and sorts every row into the answer's lists. */
export function importConversions(
  ctx: Context,
  upload: ParsedConversionUpload,
): ConversionImportSummary {
  const outcomes = recordConversionBatch(
    ctx,
    upload.reports.map((r) => r.report),
  );

  const rejected = [...upload.rejected];
  const summary: ConversionImportSummary = {
    imported: 0,
    duplicates: 0,
    unmatched: [],
    unmatchedCount: 0,
    rejected: [],
    rejectedCount: 0,
    valueSkipped: [],
    valueSkippedCount: 0,
  };
  outcomes.forEach((outcome, i) => {
    const { row, derivedKey } = upload.reports[i]!;
    switch (outcome.kind) {
      case 'recorded':
        summary.imported++;
        for (const { campaignId, currencyMismatch: m } of outcome.credits) {
          if (!m) continue;
          summary.valueSkippedCount++;
          if (summary.valueSkipped.length >= MAX_LISTED) continue;
          summary.valueSkipped.push({
            row,
            reason:
              `campaign ${campaignId} keeps this customer’s value in ${m.kept}; ` +
              `the ${m.reported} value was not added`,
          });
        }
        break;
      case 'duplicate':
        summary.duplicates++;
        break;
      case 'not_attributed':
        summary.unmatchedCount++;
        if (summary.unmatched.length < MAX_LISTED) {
          summary.unmatched.push({
            row,
            code: outcome.reason,
            reason: notAttributedMessages[outcome.reason],
          });
        }
        break;
      case 'key_reused':
        rejected.push({
          row,
          reason: derivedKey
            ? 'a conversion with the same email or external id, goal, date, value and currency ' +
              'was reported before with other details; give the rows an idempotency_key column'
            : 'idempotency_key was used before for a different conversion',
        });
        break;
    }
  });
  rejected.sort((a, b) => a.row - b.row);
  summary.rejected = rejected.slice(0, MAX_LISTED);
  summary.rejectedCount = rejected.length;

  ctx.logger.info(
    {
      imported: summary.imported,
      duplicates: summary.duplicates,
      unmatched: summary.unmatchedCount,
      rejected: summary.rejectedCount,
    },
    'conversions imported',
  );
  return summary;
}
