ALTER TABLE `media_elements` ADD `state` text DEFAULT 'ready' NOT NULL;--> statement-breakpoint
ALTER TABLE `media_elements` ADD `media_flow` text DEFAULT '{"in":{},"out":{}}' NOT NULL;