"""Forms for lead pages: they parse and validate; `leads.services` acts."""
