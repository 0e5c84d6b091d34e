-- Sample migration of the demo database `platform` (runbooks/schema-migration.yaml).
CREATE TABLE accounts (
  id bigint PRIMARY KEY,
  email varchar(200) NOT NULL,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
