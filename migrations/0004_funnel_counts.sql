CREATE TABLE `channel_counts` (
	`campaign_id` integer NOT NULL,
	`variant_id` integer NOT NULL,
	`phase` text NOT NULL,
	`channel` text NOT NULL,
	`leads` integer DEFAULT 0 NOT NULL,
	`customers` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`campaign_id`, `variant_id`, `phase`, `channel`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `daily_leads` (
	`campaign_id` integer NOT NULL,
	`variant_id` integer NOT NULL,
	`phase` text NOT NULL,
	`day` text NOT NULL,
	`leads` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`campaign_id`, `variant_id`, `phase`, `day`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `funnel_counts` (
	`campaign_id` integer NOT NULL,
	`variant_id` integer NOT NULL,
	`phase` text NOT NULL,
	`metric` text NOT NULL,
	`value` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`campaign_id`, `variant_id`, `phase`, `metric`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `conversions` ADD `phase` text;--> statement-breakpoint
CREATE INDEX `conversions_campaign_phase_day` ON `conversions` (`campaign_id`,`phase`,`variant_id`,`occurred_at`);