CREATE TABLE `recordings` (
	`id` text PRIMARY KEY NOT NULL,
	`file` text NOT NULL,
	`pipeline_id` text,
	`element_id` text,
	`stream` text,
	`profile` text NOT NULL,
	`state` text NOT NULL,
	`codecs` text DEFAULT '{}' NOT NULL,
	`duration_ms` integer,
	`size` integer,
	`error` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`started_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `recordings_state` ON `recordings` (`state`);--> statement-breakpoint
CREATE INDEX `recordings_stream` ON `recordings` (`stream`,`created_at`);--> statement-breakpoint
CREATE INDEX `recordings_element` ON `recordings` (`element_id`);--> statement-breakpoint
CREATE TABLE `stream_recording_rules` (
	`stream` text PRIMARY KEY NOT NULL,
	`profile` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
