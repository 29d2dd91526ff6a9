"""Actions on leads, one module per part of the day:

- `capture`: manual entry, inbound API, phone normalization, duplicates, do-not-call, scoring
- `importing`: bulk CSV/Excel import as a background job with a row-by-row report
- `assignment`: routing rules, team strategies, manual reassignment, hand-over on leave
- `pool`: the public pool (公海): claim, release, automatic reclaim
- `followups`: follow-ups, calls from phone systems, disposition rules, reminders
- `moves`: `lead_move` / `lead_move_many`, the only writers of a lead's status
"""
