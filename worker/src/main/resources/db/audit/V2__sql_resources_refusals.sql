-- The audit store, version 2: what each step did in an auditor's terms (the SQL it ran with the
-- rows it touched, the resources it created or removed), the decisions a run refused, and an
-- index for `runbook audit --list --env` (the environment a run was asked for).

CREATE TABLE audit_sql (
  run_id        text NOT NULL,
  step_seq      integer NOT NULL,
  seq           integer NOT NULL,
  phase         text NOT NULL,                -- run, preview (rolled back), apply, ... verify
  database_name text NOT NULL,
  sql_text      text NOT NULL,                -- as written; values are bound, never in the text
  row_count     bigint NOT NULL,              -- -1: the step does not say
  PRIMARY KEY (run_id, step_seq, seq),
  FOREIGN KEY (run_id, step_seq) REFERENCES audit_step (run_id, seq) ON DELETE CASCADE
);

CREATE TABLE audit_resource (
  run_id      text NOT NULL,
  step_seq    integer NOT NULL,
  seq         integer NOT NULL,
  kind        text NOT NULL,                  -- backup-table, snapshot, instance, ingress-rule ...
  resource_id text NOT NULL,
  action      text NOT NULL,                  -- created, removed, restored-from
  PRIMARY KEY (run_id, step_seq, seq),
  FOREIGN KEY (run_id, step_seq) REFERENCES audit_step (run_id, seq) ON DELETE CASCADE
);

CREATE TABLE audit_refusal (
  run_id      text NOT NULL REFERENCES audit_run (run_id) ON DELETE CASCADE,
  seq         integer NOT NULL,
  text        text NOT NULL,                  -- who, and why the run refused the decision
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (run_id, seq)
);

CREATE INDEX audit_run_target ON audit_run (target, started_at);
