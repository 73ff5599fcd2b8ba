import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { Context } from '../context';
import { AppError, conflict } from '../errors';
import { GOAL, futureProblem, postbackInput, readPixelQuery } from '../tracking/conversion-input';
import {
  importConversions,
  parseConversionCsv,
  parseConversionJson,
} from '../tracking/conversion-import';
import {
  CONVERSION_SIGNATURE_HEADER,
  checkConversionSignature,
  conversionSignatureMessages,
} from '../tracking/conversion-signature';
import {
  notAttributedMessages,
  recordConversion,
  recordPixelConversion,
  type ConversionOutcome,
} from '../tracking/conversions';
import { errorHandler, hostParsedBody, parseInput } from './errors';
import { decodePart, PIXEL } from './tracking-router';

// Set on every pixel answer alike. Written with end(), not send(), so that no ETag or 304 can
// tell one answer from another.
const PIXEL_HEADERS = {
  'Content-Type': 'image/gif',
  'Content-Length': String(PIXEL.length),
  'Cache-Control': 'no-store, no-cache, must-revalidate, private',
  Pragma: 'no-cache',
  Expires: '0',
  'Referrer-Policy': 'no-referrer',
  // The pixel is embedded in the marketer's own pages, another origin than this one.
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

export interface PostbackOptions {
  /** Postbacks taken per client IP per minute before answering 429 (default 120). */
  postbacksPerMinute?: number;
}

export interface ConversionImportOptions {
  /** The largest upload taken, in bytes (default 20 MiB). */
  maxImportBytes?: number;
}

function answerPixel(res: Response): void {
  res.status(200).set(PIXEL_HEADERS).end(PIXEL);
}

/** The pixel's path below /t: /x/<token>.gif, with an optional query string. */
const PIXEL_PATH = /^\/x\/([^/?#]*)\.gif\/?(?:\?.*)?$/;

/**
 * The thank-you page pixel, matched here rather than by an Express route: Express decodes a
 * route's parameters itself and answers a malformed one (%E0%A4%A) with an error, where the
 * pixel must answer the same GIF whatever it is given, so that the page's visitor learns
 * nothing of whether a token, a message or a prospect exists. HEAD is answered alike but
 * records nothing.
 */
function pixelRoute(ctx: Context): RequestHandler {
  return (req, res, next) => {
    const match = req.url.startsWith('/x/') ? PIXEL_PATH.exec(req.url) : null;
    if (!match || (req.method !== 'GET' && req.method !== 'HEAD')) {
      next();
      return;
    }

    try {
      if (req.method === 'GET') recordPixel(ctx, decodePart(match[1]!), req.query);
    } catch (error) {
      ctx.logger.error({ err: error }, 'conversion pixel failed');
    }
    answerPixel(res);
  };
}

function recordPixel(ctx: Context, token: string, rawQuery: Record<string, unknown>): void {
  const query = readPixelQuery(rawQuery);
  if (!token || !query) return;
  const { goal, value, currency, unreadable } = query;
  const outcome = recordPixelConversion(ctx, { token, goal, value, currency });
  // Only a hit that named a real message is worth a line: anyone can make up the rest.
  if (outcome && Object.keys(unreadable).length > 0) {
    ctx.logger.warn(
      { unreadable, outcome: outcome.kind },
      'conversion pixel recorded without the value it could not read',
    );
  }
}

function postbackAnswer(outcome: Exclude<ConversionOutcome, { kind: 'key_reused' }>) {
  switch (outcome.kind) {
    case 'recorded':
      return { duplicate: false, attributed: outcome.attributed, conversions: outcome.credits };
    case 'duplicate':
      return { duplicate: true, attributed: outcome.attributed };
    case 'not_attributed':
      return {
        duplicate: outcome.duplicate,
        attributed: 0,
        reason: outcome.reason,
        message: notAttributedMessages[outcome.reason],
      };
  }
}

/**
 * The public conversion routes, mounted under /t: the signed server postback and the
 * thank-you page pixel.
 */
export function conversionPostbackRouter(ctx: Context, options: PostbackOptions = {}): Router {
  const router = Router();
  // Raw bytes, not parsed JSON: the signature covers the body exactly as sent. Not inflated
  // either: a compressed body's signature would otherwise be checked over other bytes.
  const readRaw = express.raw({ type: 'application/json', limit: '64kb', inflate: false });
  const rawJson: RequestHandler = (req, res, next) =>
    readRaw(req, res, (error?: unknown) => {
      const type = (error as { type?: unknown } | undefined)?.type;
      next(
        type === 'encoding.unsupported'
          ? new AppError(
              415,
              'unsupported_encoding',
              'Send the postback uncompressed, without a Content-Encoding: the signature ' +
                'covers the body exactly as sent.',
            )
          : error,
      );
    });
  const hostParsed = hostParsedBody(ctx, '/t/conversions', 'its signature cannot be checked');
  // TODO: the count is kept in this process's memory; several instances behind one address
  // each allow the full rate. A shared store (the database) would fix that when it matters.
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: options.postbacksPerMinute ?? 120,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => {
      res.status(429).json({
        error: {
          code: 'rate_limited',
          message: 'Too many conversion postbacks from this address; wait a minute and retry.',
        },
      });
    },
  });

  router.post('/conversions', limiter, rawJson, (req, res) => {
    if (!Buffer.isBuffer(req.body)) {
      // A JSON body the raw reader left alone was read before it came.
      if (req.is('application/json')) throw hostParsed();
      throw new AppError(
        415,
        'unsupported_media_type',
        'Send the conversion as a JSON body with Content-Type: application/json.',
      );
    }

    const problem = checkConversionSignature(
      ctx.secret,
      req.get(CONVERSION_SIGNATURE_HEADER),
      req.body,
      ctx.clock(),
    );
    if (problem) {
      ctx.logger.warn({ problem, ip: req.ip }, 'conversion postback signature refused');
      throw new AppError(401, 'invalid_signature', conversionSignatureMessages[problem]);
    }

    let body: unknown;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      throw new AppError(400, 'invalid_json', 'The body is not valid JSON.');
    }
    const input = parseInput(postbackInput, body);
    const future = input.occurredAt && futureProblem(input.occurredAt, ctx.clock().getTime());
    if (future) {
      throw new AppError(400, 'invalid_input', `occurredAt: ${future}`, [
        { path: 'occurredAt', message: future },
      ]);
    }

    const outcome = recordConversion(ctx, { ...input, source: 'postback' });
    if (outcome.kind === 'key_reused') {
      throw conflict(
        'idempotency_key_reused',
        'This idempotencyKey came before with a different conversion. Use a new key for a ' +
          'new conversion, and the same key only to retry the same one.',
      );
    }
    res.json(postbackAnswer(outcome));
  });

  router.use(pixelRoute(ctx));

  router.use(errorHandler(ctx.logger));
  return router;
}

const importQuery = z
  .object({ goal: z.string().regex(GOAL, 'must be a goal as the campaign names it').optional() })
  .strict();

async function readJson(req: Request, res: Response, parser: express.RequestHandler) {
  await new Promise<void>((resolve, reject) =>
    parser(req, res, (error?: unknown) => (error ? reject(error) : resolve())),
  );
  return req.body as unknown;
}

/**
 * CRM and bulk conversions, mounted under /api behind the API key: text/csv or a JSON array.
 */
export function conversionImportRouter(
  ctx: Context,
  options: ConversionImportOptions = {},
): Router {
  const router = Router();
  const maxBytes = options.maxImportBytes ?? 20 * 1024 * 1024;
  const json = express.json({ limit: maxBytes, strict: false });
  const hostParsed = hostParsedBody(ctx, '/api/conversions', 'the CSV cannot be read');

  router.post('/conversions', async (req, res) => {
    const defaults = parseInput(importQuery, req.query);
    const now = ctx.clock().getTime();

    let upload;
    if (req.is('text/csv')) {
      // A JSON body the host parsed is still usable as parsed; a CSV one is not: its stream
      // has ended, and reading it would wait for ever.
      if (req.readableEnded) throw hostParsed();
      upload = await parseConversionCsv(req, maxBytes, defaults, now);
    } else if (req.is('application/json')) {
      upload = parseConversionJson(await readJson(req, res, json), defaults, now);
    } else {
      throw new AppError(
        415,
        'unsupported_media_type',
        'Send conversions as text/csv (with a header row) or as a JSON array.',
      );
    }

    res.json(importConversions(ctx, upload));
  });

  router.use(errorHandler(ctx.logger));
  return router;
}
