-- The names users know a server's flavor and image by, beside the provider ids in flavor/image.
-- Null for servers created before names were resolved (their flavor/image are what the user gave).
ALTER TABLE server ADD COLUMN flavor_name text;
ALTER TABLE server ADD COLUMN image_name text;
