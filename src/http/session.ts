import { parse, serialize } from 'cookie';
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  closeSession,
  formToken,
  formTokenMatches,
  openSession,
  sessionIsOpen,
} from '../accounts/admin';
import type { Context } from '../context';

const SESSION_COOKIE = 'ls_session';
const VISITOR_COOKIE = 'ls_visitor';

export interface PageLocals {
  signedIn: boolean;
  /** The token every form of this page carries. */
  csrf: string;
  /** Where the plugin is mounted in the host app, '' at the root. */
  base: string;
}

export const pageLocals = (res: Response) => res.locals as PageLocals & Record<string, unknown>;

function cookieOptions(ctx: Context, req: Request, maxAgeMs: number) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: ctx.publicUrl.startsWith('https:'),
    path: req.baseUrl || '/',
    maxAge: Math.floor(maxAgeMs / 1000),
  };
}

/**
 * Reads the session cookie and gives every page its sign-in state and form token. A visitor
 * who is not signed in gets a random visitor cookie, so that the sign-in form has a token too.
 */
export function sessions(ctx: Context): RequestHandler {
  return (req, res, next) => {
    const cookies = parse(req.headers.cookie ?? '');
    const now = ctx.clock().getTime();
    const sessionId = cookies[SESSION_COOKIE];
    const signedIn = sessionId !== undefined && sessionIsOpen(ctx.sqlite, sessionId, now);

    let bearer = signedIn ? sessionId : cookies[VISITOR_COOKIE];
    if (!bearer || !/^[A-Za-z0-9_-]{22,64}$/.test(bearer)) {
      bearer = randomBytes(16).toString('base64url');
      res.append(
        'Set-Cookie',
        serialize(VISITOR_COOKIE, bearer, cookieOptions(ctx, req, 86_400_000)),
      );
    }
    Object.assign(res.locals, {
      signedIn,
      csrf: formToken(ctx.secret, bearer),
      base: req.baseUrl,
      formBearer: bearer,
    });
    next();
  };
}

/** Refuses a form whose token is not the one this visitor's pages carry. */
export function checkFormToken(ctx: Context): RequestHandler {
  return (req, res, next) => {
    const token =
      (req.body as Record<string, unknown> | undefined)?._csrf ??
      req.query._csrf ??
      req.get('x-csrf-token');
    if (formTokenMatches(ctx.secret, String(res.locals.formBearer), token)) {
      next();
      return;
    }
    res
      .status(403)
      .type('text')
      .send('This form has expired. Go back, reload the page and try again.');
  };
}

/** Pages behind the sign-in: a visitor who is not signed in is sent to it. */
export function requireSignIn(req: Request, res: Response, next: NextFunction): void {
  if (res.locals.signedIn) {
    next();
    return;
  }
  if (req.method === 'GET') {
    const back = encodeURIComponent(req.originalUrl);
    res.redirect(303, `${req.baseUrl}/sign-in?next=${back}`);
    return;
  }
  res.status(401).type('text').send('Sign in first.');
}

export function startSession(ctx: Context, req: Request, res: Response): void {
  const now = ctx.clock().getTime();
  const session = openSession(ctx.sqlite, now);
  res.append(
    'Set-Cookie',
    serialize(SESSION_COOKIE, session.id, cookieOptions(ctx, req, session.expiresAt - now)),
  );
}

export function endSession(ctx: Context, req: Request, res: Response): void {
  const sessionId = parse(req.headers.cookie ?? '')[SESSION_COOKIE];
  if (sessionId) closeSession(ctx.sqlite, sessionId);
  res.append('Set-Cookie', serialize(SESSION_COOKIE, '', cookieOptions(ctx, req, 0)));
}
