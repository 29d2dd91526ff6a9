"""Lead API: `capture` (inbound, imports, do-not-call), `leads` (leads, follow-ups,
calls), `pool` (claim, release, assignment)."""
