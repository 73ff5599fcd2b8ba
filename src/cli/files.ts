import { readFileSync, statSync } from 'node:fs';
import { AppError } from '../errors';

/** A file named on the command line that is missing or a folder, as an AppError. */
function fileProblem(file: string, error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return new AppError(404, 'file_not_found', `${file} does not exist.`);
  if (code === 'EISDIR') return new AppError(400, 'not_a_file', `${file} is a folder.`);
  return error;
}

export function readInputFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw fileProblem(file, error);
  }
}

/** The size of a file to be read, in bytes. */
export function inputFileSize(file: string): number {
  let size: number;
  try {
    const info = statSync(file);
    if (info.isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    size = info.size;
  } catch (error) {
    throw fileProblem(file, error);
  }
  return size;
}
