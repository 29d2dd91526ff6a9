"""Lead pages: `worklist` (the agent's day), `capture` (entry, import, do-not-call),
`team` (managers: team leads, pool, reassignment, export)."""
