ALTER TABLE `campaigns` ADD `paused_from` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `rollout_variant_id` integer;