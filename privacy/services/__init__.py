"""Actions on requests from people:

- `requests`: log a request, download the person's data file, correct their details
  (through `leads.services`), close a request
- `erasure`: `erase_person`, the deletion that leaves nothing (held back while an order,
  a ticket or a dispute is open)
- `reminders`: the daily sweep telling admins of requests coming due and overdue
"""
