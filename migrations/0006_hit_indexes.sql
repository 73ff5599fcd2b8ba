DROP INDEX `events_message`;--> statement-breakpoint
CREATE INDEX `events_message_type` ON `events` (`message_id`,`type`,`machine`);--> statement-breakpoint
CREATE INDEX `messages_lookup` ON `messages` (`id`,`campaign_id`,`variant_id`,`phase`,`sent_at`);