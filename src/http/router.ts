import { Router } from 'express';
import type { Context } from '../context';
import { apiRouter, type ApiOptions } from './api-router';
import { errorHandler, notFoundHandler } from './errors';

/** The plugin's whole HTTP surface, relative to wherever the host mounts it. */
export function buildRouter(ctx: Context, options: ApiOptions): Router {
  const router = Router();

  router.use('/api', apiRouter(ctx, options), notFoundHandler);
  router.use('/api', errorHandler(ctx.logger));

  router.use(errorHandler(ctx.logger));
  return router;
}
