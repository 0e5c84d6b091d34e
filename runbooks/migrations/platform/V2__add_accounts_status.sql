ALTER TABLE accounts ADD COLUMN status varchar(20) NOT NULL DEFAULT 'active';
CREATE INDEX accounts_status_idx ON accounts (status);
