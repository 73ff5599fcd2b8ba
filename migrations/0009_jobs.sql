CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`campaign_id` integer NOT NULL,
	`due_at` integer NOT NULL,
	`lease_owner` text,
	`lease_until` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`done_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `jobs_due` ON `jobs` (`done_at`,`due_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_pending_kind` ON `jobs` (`campaign_id`,`kind`) WHERE done_at IS NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `test_duration_hours` integer DEFAULT 72 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `auto_rollout` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `no_winner_rule` text DEFAULT 'control' NOT NULL;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `decision` text;