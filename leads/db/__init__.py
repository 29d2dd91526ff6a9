"""Raw-SQL fast paths of the leads app, one module per service that needs one.

Each module keeps the ORM implementation next to the PostgreSQL one, as the reference the
fast path must agree with (tests/leads/test_db_fast_paths.py runs both on the same data),
and picks the PostgreSQL one only on PostgreSQL.
"""
