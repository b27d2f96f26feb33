CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`scope` text NOT NULL,
	`stream_pattern` text DEFAULT '*' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `element_connections` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`pipeline_id` text NOT NULL,
	`source_id` text NOT NULL,
	`sink_id` text NOT NULL,
	`media_type` text,
	`source_description` text DEFAULT 'default' NOT NULL,
	`sink_description` text DEFAULT 'default' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`pipeline_id`) REFERENCES `media_pipelines`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`source_id`) REFERENCES `media_elements`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`sink_id`) REFERENCES `media_elements`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `element_connections_source` ON `element_connections` (`source_id`);--> statement-breakpoint
CREATE INDEX `element_connections_sink` ON `element_connections` (`sink_id`);--> statement-breakpoint
CREATE TABLE `media_elements` (
	`id` text PRIMARY KEY NOT NULL,
	`pipeline_id` text NOT NULL,
	`type` text NOT NULL,
	`constructor_params` text DEFAULT '{}' NOT NULL,
	`properties` text DEFAULT '{}' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`pipeline_id`) REFERENCES `media_pipelines`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `media_elements_pipeline` ON `media_elements` (`pipeline_id`);--> statement-breakpoint
CREATE TABLE `media_pipelines` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`origin` text NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `media_pipelines_stream_name` ON `media_pipelines` (`name`) WHERE "media_pipelines"."origin" = 'stream';--> statement-breakpoint
CREATE TABLE `webrtc_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`stream` text NOT NULL,
	`pipeline_id` text,
	`element_id` text,
	`state` text NOT NULL,
	`etag` text NOT NULL,
	`remote_address` text,
	`user_agent` text,
	`codecs` text DEFAULT '{}' NOT NULL,
	`close_reason` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`connected_at` integer,
	`closed_at` integer,
	FOREIGN KEY (`pipeline_id`) REFERENCES `media_pipelines`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`element_id`) REFERENCES `media_elements`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `webrtc_sessions_stream` ON `webrtc_sessions` (`stream`,`state`);--> statement-breakpoint
CREATE INDEX `webrtc_sessions_element` ON `webrtc_sessions` (`element_id`);