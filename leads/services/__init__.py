"""Actions on leads, one module per part of the day:

- `capture`: the capture pipeline (clean → do-not-call → dedup → score → write → route)
  for manual entry, the API, the inbound API and imports; scoring; lead edits
- `importing`: bulk CSV/Excel import as a background job with a row-by-row report
  (`import_files` reads the files, `import_columns` maps their columns)
- `routing`: which team a lead goes to, and the only writer of `Assignment` rows
- `distribution`: which agent of the team (strategies, capacity, skills)
- `assignment`: the assignment job, manual reassignment, hand-over on leave
- `pool`: the public pool (公海): claim, release, automatic reclaim
- `followups`: follow-ups, calls from phone systems, disposition rules, reminders

The do-not-call list is kept by `risk` (`risk.services.do_not_call_add`); raw-SQL fast
paths live in `leads.db`.
- `moves`: `lead_move` / `lead_move_many`, the only writers of a lead's status
"""
