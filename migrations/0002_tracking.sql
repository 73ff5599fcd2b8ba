CREATE TABLE `conversion_receipts` (
	`id` integer PRIMARY KEY NOT NULL,
	`idempotency_key` text NOT NULL,
	`body_hash` text NOT NULL,
	`source` text NOT NULL,
	`goal` text NOT NULL,
	`prospect_id` integer,
	`value` real,
	`currency` text,
	`occurred_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`attributed` integer NOT NULL,
	FOREIGN KEY (`prospect_id`) REFERENCES `prospects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversion_receipts_key` ON `conversion_receipts` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `conversion_receipts_prospect` ON `conversion_receipts` (`prospect_id`);--> statement-breakpoint
ALTER TABLE `campaigns` ADD `attribution_window_days` integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE `events` ADD `machine_reason` text;--> statement-breakpoint
CREATE INDEX `events_funnel` ON `events` (`campaign_id`,`type`,`variant_id`,`machine`,`message_id`);--> statement-breakpoint
ALTER TABLE `links` ADD `append_token` integer DEFAULT true NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_prospect` ON `messages` (`prospect_id`);