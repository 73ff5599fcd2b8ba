CREATE TABLE `suppressed_addresses` (
	`email_hash` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL
);
