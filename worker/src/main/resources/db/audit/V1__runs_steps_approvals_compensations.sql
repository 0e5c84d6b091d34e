-- The audit store, version 1: one row per run, its steps, the decisions at its gates and its undos.
-- Written by the interpreter's audit activity as a run goes; kept after Temporal's retention.
-- Times are UTC; params and the plan are stored redacted (bind values, credential-named keys).

CREATE TABLE audit_run (
  run_id          text PRIMARY KEY,           -- the workflow id, e.g. demo-local-DEMO-1
  runbook         text NOT NULL,
  runbook_version integer NOT NULL,
  runbook_sha256  text NOT NULL,              -- sha256 of the runbook file's bytes
  target          text NOT NULL,              -- the environment the run was asked for
  environment     text NOT NULL DEFAULT '',   -- the environment it reached
  launcher        text NOT NULL,
  ticket          text,
  params          json NOT NULL,              -- json, not jsonb: keeps the declared order
  plan            json NOT NULL,
  plan_hash       text NOT NULL,
  status          text NOT NULL,
  failure         text NOT NULL DEFAULT '',
  started_at      timestamptz NOT NULL,
  ended_at        timestamptz,
  updated_at      timestamptz NOT NULL
);

CREATE INDEX audit_run_started ON audit_run (started_at);

CREATE TABLE audit_step (
  run_id      text NOT NULL REFERENCES audit_run (run_id) ON DELETE CASCADE,
  seq         integer NOT NULL,               -- position in the run, finally steps last
  environment text NOT NULL,
  step_id     text NOT NULL,
  uses        text NOT NULL,
  name        text NOT NULL,
  outcome     text NOT NULL,
  summary     text NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  PRIMARY KEY (run_id, seq)
);

CREATE TABLE audit_approval (
  run_id     text NOT NULL REFERENCES audit_run (run_id) ON DELETE CASCADE,
  seq        integer NOT NULL,
  gate       text NOT NULL,
  approver   text NOT NULL,
  decision   text NOT NULL,                   -- APPROVE or REJECT
  comment    text NOT NULL,
  decided_at timestamptz NOT NULL,
  plan_hash  text NOT NULL,
  PRIMARY KEY (run_id, seq)
);

CREATE TABLE audit_compensation (
  run_id      text NOT NULL REFERENCES audit_run (run_id) ON DELETE CASCADE,
  seq         integer NOT NULL,
  environment text NOT NULL,
  for_step    text NOT NULL,
  uses        text NOT NULL,
  outcome     text NOT NULL,                  -- COMPLETED, FAILED or SKIPPED
  message     text NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (run_id, seq)
);
