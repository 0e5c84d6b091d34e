#!/bin/sh
# Creates the namespace and the search attributes the runbook engine sets on every run
# (RunbookName, RunbookVersion, Environment, Launcher, Ticket, RunStatus, Approvers).
# Idempotent: an attribute or namespace that exists is left as it is.
set -eu
ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${RUNBOOK_NAMESPACE:-default}"
RETENTION="${RUNBOOK_RETENTION:-30d}"

attempt=0
until temporal operator cluster health --address "$ADDRESS" >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 30 ]; then
    echo "Temporal at $ADDRESS is not healthy after $attempt attempts" >&2
    exit 1
  fi
  sleep 2
done

temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1 \
  || temporal operator namespace create --address "$ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION"

register() {
  if temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE" \
      | grep -qw "$1"; then
    echo "search attribute $1 exists"
  else
    temporal operator search-attribute create --address "$ADDRESS" --namespace "$NAMESPACE" \
      --name "$1" --type "$2"
  fi
}
register RunbookName Keyword
register RunbookVersion Int
register Environment Keyword
register Launcher Keyword
register Ticket Keyword
register RunStatus Keyword
register Approvers KeywordList
echo "namespace $NAMESPACE is ready for runbook workers"
