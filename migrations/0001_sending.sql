CREATE TABLE `send_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`campaign_id` integer NOT NULL,
	`variant_id` integer NOT NULL,
	`status` text NOT NULL,
	`size` integer NOT NULL,
	`mailer` text NOT NULL,
	`created_at` integer NOT NULL,
	`lease_until` integer NOT NULL,
	`finished_at` integer,
	`provider_message_id` text,
	`error` text,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`variant_id`) REFERENCES `variants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `send_batches_status` ON `send_batches` (`status`,`lease_until`);--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`id` integer PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`provider_event_id` text NOT NULL,
	`type` text NOT NULL,
	`message_id` text,
	`occurred_at` integer,
	`received_at` integer NOT NULL,
	`payload` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_events_provider_event` ON `webhook_events` (`provider`,`provider_event_id`);--> statement-breakpoint
DROP INDEX `messages_status`;--> statement-breakpoint
ALTER TABLE `messages` ADD `batch_id` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `next_attempt_at` integer;--> statement-breakpoint
CREATE INDEX `messages_batch` ON `messages` (`batch_id`);--> statement-breakpoint
CREATE INDEX `messages_status` ON `messages` (`status`,`campaign_id`,`variant_id`);--> statement-breakpoint
ALTER TABLE `campaigns` ADD `from_email` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `reply_to` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `postal_address` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `field_defaults` text;