ALTER TABLE invoices ADD COLUMN due_date date;
CREATE INDEX invoices_due_date_idx ON invoices (due_date);
