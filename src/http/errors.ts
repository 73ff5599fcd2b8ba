import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Context } from '../context';
import { z } from 'zod';
import { AppError } from '../errors';
import { StatsInputError } from '../stats';

/** Validates a value against a schema; a failure becomes a 400 listing every problem. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
  const first = problems[0]!;
  throw new AppError(
    400,
    'invalid_input',
    first.path ? `${first.path}: ${first.message}` : first.message,
    problems,
  );
}

export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: 'No such route.' } });
};

interface HttpError {
  status?: number;
  type?: string;
  expose?: boolean;
}

/**
 * Errors raised by Express itself: a path parameter it cannot decode is a URIError, and body
 * parsers' errors carry a status and a type. Both are the request's fault, never a 500.
 */
function requestError(error: unknown): AppError | undefined {
  if (error instanceof URIError) {
    return new AppError(
      400,
      'bad_path',
      'The address has a broken %-escape in it; copy the whole link again.',
    );
  }
  const e = error as HttpError;
  if (typeof e?.status !== 'number' || !e.expose) return undefined;
  switch (e.type) {
    case 'entity.parse.failed':
      return new AppError(400, 'invalid_json', 'The body is not valid JSON.');
    case 'entity.too.large':
      return new AppError(413, 'payload_too_large', 'The body is larger than this route takes.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, 'unsupported_encoding', 'Send the body as UTF-8.');
    default:
      return new AppError(e.status, 'bad_request', 'The request could not be read.');
  }
}

/** The one place errors become answers: known ones with their status, the rest as a bare 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known =
      error instanceof AppError
        ? error
        : error instanceof StatsInputError
          ? new AppError(400, error.code, error.message)
          : requestError(error);
    if (res.headersSent) {
      logger.error({ err: error, path: req.path }, 'error after the answer began');
      res.end();
      return;
    }
    if (known) {
      res.status(known.status).json({
        error: {
          code: known.code,
          message: known.message,
          ...(known.details === undefined ? {} : { details: known.details }),
        },
      });
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'Something went wrong.' } });
  };
}

/**
 * The error for a request whose body a parser of the host app (an `express.json()` mounted
 * before leadsplit) has read already: Express reads a body once, so the bytes leadsplit needs
 * are gone. It is the host's setup and not the sender's request that is at fault, hence a 500
 * with a code of its own (which also tells a sender to retry once the host is fixed). Logged
 * once per route: every such request fails alike until the host changes its mount order.
 */
export function hostParsedBody(ctx: Context, route: string, need: string): () => AppError {
  let logged = false;
  return () => {
    if (!logged) {
      logged = true;
      ctx.logger.error(
        { route, code: 'body_parsed_by_host' },
        'the host app parsed a request body before leadsplit; mount leadsplit before body parsers',
      );
    }
    return new AppError(
      500,
      'body_parsed_by_host',
      `The application leadsplit is mounted in read this request's body before leadsplit ` +
        `(a body parser such as express.json() runs first), so ${need}. Mount leadsplit's ` +
        'router before the body parsers of the host app.',
    );
  };
}
