import type { RequestHandler } from 'express';
import type { ApiKeyCheck } from '../credentials';

/**
 * Requires `Authorization: Bearer <key>`. A missing, malformed and wrong key all get the same
 * answer, so the answer tells a caller nothing about which it was.
 */
export function requireApiKey(apiKey: ApiKeyCheck): RequestHandler {
  return (req, res, next) => {
    const match = /^Bearer ([\x21-\x7e]{1,200})$/.exec(req.get('authorization') ?? '');
    if (match && apiKey.verify(match[1]!)) {
      next();
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer')
      .json({ error: { code: 'unauthorized', message: 'A valid API key is required.' } });
  };
}
