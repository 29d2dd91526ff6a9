"""Read queries for lead pages and the API, scoped through `crm.access`."""
