import { CsvError, parse } from 'csv-parse';
import type { Readable } from 'node:stream';
import { AppError, badRequest } from '../errors';

export const tooLarge = (maxBytes: number) =>
  new AppError(
    413,
    'payload_too_large',
    `The upload is larger than ${Math.floor(maxBytes / 1024 / 1024)} MiB; ` +
      'split it into smaller files.',
  );

interface InfoRecord {
  record: string[];
  info: { records: number; empty_lines: number };
}

/**
 * Streams a CSV upload to `onRecord`, one record at a time with its row as a spreadsheet
 * numbers it: the header is row 1, a blank line is a row of its own, and a quoted field
 * spanning several lines keeps its record on one row. The upload is refused whole (400) when
 * it is not CSV text, and with 413 past `maxBytes`; an error `onRecord` throws ends the
 * reading with that error. Answers the number of records read.
 */
export async function streamCsvRecords(
  input: Readable,
  maxBytes: number,
  onRecord: (fields: string[], row: number) => void,
): Promise<number> {
  const parser = parse({
    bom: true,
    relax_column_count: true,
    // A quote inside an unquoted field (24" monitor) is taken as a character: CRM exports
    // carry such notes in columns nobody asked for, and one must not refuse the whole file.
    relax_quotes: true,
    skip_empty_lines: true,
    info: true,
    // A runaway quote would otherwise swallow the rest of the file into one field.
    max_record_size: 64 * 1024,
  });
  let records = 0;
  let bytes = 0;

  await new Promise<void>((resolve, reject) => {
    const fail = (error: unknown) => {
      input.unpipe(parser);
      input.resume();
      reject(error);
    };
    input.on('error', fail);
    input.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) fail(tooLarge(maxBytes));
      else if (chunk.includes(0)) {
        fail(badRequest('The upload is not a CSV text file (it has NUL bytes).'));
      }
    });
    parser.on('error', fail);
    parser.on('readable', () => {
      // Anything thrown here would be lost in the stream and leave the request hanging.
      try {
        let read: InfoRecord | null;
        while ((read = parser.read() as InfoRecord | null) !== null) {
          records = read.info.records;
          onRecord(read.record, read.info.records + read.info.empty_lines);
        }
      } catch (error) {
        fail(error);
      }
    });
    parser.on('end', () => resolve());
    input.pipe(parser);
  }).catch((error: unknown) => {
    // Only the parser's own complaints are about the file; anything else is a fault here.
    if (!(error instanceof CsvError)) throw error;
    throw badRequest(`The upload could not be read as CSV (line ${error.lines}).`);
  });
  return records;
}
