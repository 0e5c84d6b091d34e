-- Sample migration of the demo database `invoicing`: PostgreSQL locally, MySQL in stage and prod,
-- so it sticks to SQL both read the same way.
CREATE TABLE invoices (
  id bigint PRIMARY KEY,
  customer_id bigint NOT NULL,
  total numeric(12,2) NOT NULL,
  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
