CREATE TABLE `campaign_prospects` (
	`campaign_id` integer NOT NULL,
	`prospect_id` integer NOT NULL,
	`imported_at` integer NOT NULL,
	PRIMARY KEY(`campaign_id`, `prospect_id`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`prospect_id`) REFERENCES `prospects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`goal` text NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`test_fraction` real NOT NULL,
	`confidence` real NOT NULL,
	`minimum_detectable_effect` real NOT NULL,
	`salt` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`launched_at` integer
);
--> statement-breakpoint
CREATE TABLE `conversions` (
	`id` integer PRIMARY KEY NOT NULL,
	`campaign_id` integer NOT NULL,
	`variant_id` integer,
	`prospect_id` integer NOT NULL,
	`goal` text NOT NULL,
	`value` real,
	`currency` text,
	`occurred_at` integer NOT NULL,
	`source` text NOT NULL,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`variant_id`) REFERENCES `variants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`prospect_id`) REFERENCES `prospects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversions_campaign_prospect_goal` ON `conversions` (`campaign_id`,`prospect_id`,`goal`);--> statement-breakpoint
CREATE INDEX `conversions_campaign_variant` ON `conversions` (`campaign_id`,`variant_id`);--> statement-breakpoint
CREATE TABLE `enrollments` (
	`campaign_id` integer NOT NULL,
	`prospect_id` integer NOT NULL,
	`bucket` real NOT NULL,
	`phase` text NOT NULL,
	`variant_id` integer,
	`enrolled_at` integer NOT NULL,
	PRIMARY KEY(`campaign_id`, `prospect_id`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`prospect_id`) REFERENCES `prospects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`variant_id`) REFERENCES `variants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `enrollments_campaign_phase_variant` ON `enrollments` (`campaign_id`,`phase`,`variant_id`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY NOT NULL,
	`message_id` text NOT NULL,
	`campaign_id` integer NOT NULL,
	`variant_id` integer NOT NULL,
	`type` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`link_key` text,
	`user_agent` text,
	`ip_hash` text,
	`machine` integer DEFAULT false NOT NULL,
	`provider_event_id` text,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `events_campaign_variant_type` ON `events` (`campaign_id`,`variant_id`,`type`);--> statement-breakpoint
CREATE INDEX `events_message` ON `events` (`message_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `events_provider_event_id` ON `events` (`provider_event_id`) WHERE provider_event_id IS NOT NULL;--> statement-breakpoint
CREATE TABLE `links` (
	`id` integer PRIMARY KEY NOT NULL,
	`campaign_id` integer NOT NULL,
	`key` text NOT NULL,
	`url` text NOT NULL,
	`label` text,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `links_campaign_key` ON `links` (`campaign_id`,`key`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`campaign_id` integer NOT NULL,
	`variant_id` integer NOT NULL,
	`prospect_id` integer NOT NULL,
	`phase` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`queued_at` integer NOT NULL,
	`sent_at` integer,
	`provider_message_id` text,
	`error` text,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`variant_id`) REFERENCES `variants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`prospect_id`) REFERENCES `prospects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_campaign_prospect_phase` ON `messages` (`campaign_id`,`prospect_id`,`phase`);--> statement-breakpoint
CREATE INDEX `messages_status` ON `messages` (`status`,`queued_at`);--> statement-breakpoint
CREATE INDEX `messages_campaign_variant` ON `messages` (`campaign_id`,`variant_id`,`status`);--> statement-breakpoint
CREATE TABLE `prospects` (
	`id` integer PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`first_name` text,
	`last_name` text,
	`external_id` text,
	`source` text,
	`attributes` text,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `prospects_email` ON `prospects` (`email`);--> statement-breakpoint
CREATE INDEX `prospects_external_id` ON `prospects` (`external_id`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `variants` (
	`id` integer PRIMARY KEY NOT NULL,
	`campaign_id` integer NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`subject` text NOT NULL,
	`preheader` text,
	`sender_name` text,
	`template` text,
	`html` text,
	`weight` real NOT NULL,
	`is_control` integer NOT NULL,
	`position` integer NOT NULL,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `variants_campaign_key` ON `variants` (`campaign_id`,`key`);