"""Training actions, one module per concept: courses and materials (`catalog`),
enrollments and results (`enrollments`), the onboarding gate (`onboarding_gate`), promotion
paths (`promotions`), call scripts (`call_scripts`), the case library (`case_library`) and
the reminder sweep (`reminders`). Views, the API, the admin, the demo and tasks call them."""
