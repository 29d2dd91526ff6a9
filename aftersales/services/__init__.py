"""After-sales actions: tickets (`tickets`), revisits and improvement items (`revisits`),
and the reminder sweep (`reminders`). Plain keyword-only functions in transactions."""
