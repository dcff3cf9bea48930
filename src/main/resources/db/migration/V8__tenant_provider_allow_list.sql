-- Which providers a tenant's workloads may land on (placement's allow-list filter); empty
-- means every configured provider. Space-separated provider names.
ALTER TABLE tenant ADD COLUMN allowed_providers varchar(1000) NOT NULL DEFAULT '';
