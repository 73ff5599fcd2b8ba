import busboy from 'busboy';
import type { Request } from 'express';
import type { Readable } from 'node:stream';
import { AppError, badRequest } from '../errors';

/**
 * Hands the one file of a multipart form to `consume` as it streams in, so an upload is never
 * held whole in memory. A file over `maxBytes` fails the upload with 413.
 */
export function withUploadedFile<T>(
  req: Request,
  maxBytes: number,
  consume: (file: Readable) => Promise<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { files: 1, fileSize: maxBytes, fields: 20 },
      });
    } catch {
      reject(badRequest('Send the file as a multipart form upload.'));
      return;
    }
    let seen = false;
    parser.on('file', (_name, file) => {
      seen = true;
      file.on('limit', () => {
        file.destroy(
          new AppError(
            413,
            'payload_too_large',
            'The file is too large; split it into smaller files.',
          ),
        );
      });
      consume(file).then(resolve, (error: unknown) => {
        file.resume();
        reject(error);
      });
    });
    parser.on('error', () => reject(badRequest('The upload could not be read.')));
    parser.on('close', () => {
      if (!seen) reject(badRequest('Choose a CSV file to upload.'));
    });
    req.pipe(parser);
  });
}
