DROP INDEX `messages_lookup`;--> statement-breakpoint
ALTER TABLE `messages` ADD `delivered_at` integer;--> statement-breakpoint
CREATE INDEX `messages_lookup` ON `messages` (`id`,`campaign_id`,`variant_id`,`phase`,`sent_at`,`delivered_at`);--> statement-breakpoint
-- Deliveries reported before this migration: the first one of each message.
UPDATE messages SET delivered_at = (
  SELECT min(e.occurred_at) FROM events e WHERE e.message_id = messages.id AND e.type = 'delivered')
 WHERE id IN (SELECT message_id FROM events WHERE type = 'delivered');
