import { Router } from 'express';
import type { Context } from '../context';
import type { Mailer } from '../sending/mailer';
import type { HitRecorder } from '../tracking/hits';
import { apiRouter, type ApiOptions } from './api-router';
import { conversionImportRouter, conversionPostbackRouter } from './conversions-router';
import { errorHandler, notFoundHandler } from './errors';
import { outboxRouter } from './outbox-router';
import { pagesRouter } from './pages-router';
import type { AdminPassword } from '../accounts/admin';
import { clickRoute, trackingRouter } from './tracking-router';
import { webhooksRouter } from './webhooks-router';

export interface RouterOptions extends ApiOptions {
  mailer: Mailer;
  admin: AdminPassword;
  hits: HitRecorder;
  sendgridWebhookPublicKey?: string;
  /** Signed conversion postbacks taken per client address per minute (default 120). */
  postbacksPerMinute?: number;
  /** The largest CRM conversion upload taken, in bytes (default 20 MiB). */
  maxConversionImportBytes?: number;
}

/** The plugin's whole HTTP surface, relative to wherever the host mounts it. */
export function buildRouter(ctx: Context, options: RouterOptions): Router {
  const router = Router();

  // Tracking hits come first: they are the hot path, and every layer before them costs.
  router.use(clickRoute(options.hits));
  router.use(
    '/t',
    trackingRouter(ctx, options.hits),
    conversionPostbackRouter(ctx, { postbacksPerMinute: options.postbacksPerMinute }),
  );

  router.use('/api/outbox', outboxRouter(options));
  router.use(
    '/api',
    apiRouter(ctx, options),
    conversionImportRouter(ctx, { maxImportBytes: options.maxConversionImportBytes }),
    notFoundHandler,
  );
  // The provider's webhook exists only where a provider sends: with the outbox there is
  // nothing to report back, and an open unsigned endpoint would only invite forgeries.
  if (options.mailer.name === 'sendgrid' || options.sendgridWebhookPublicKey) {
    router.use(
      '/webhooks',
      webhooksRouter(ctx, { sendgridWebhookPublicKey: options.sendgridWebhookPublicKey }),
      notFoundHandler,
    );
  }

  router.use(pagesRouter(ctx, options));

  router.use(errorHandler(ctx.logger));
  return router;
}
