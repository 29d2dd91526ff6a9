"""Fast paths of the performance app (raw SQL on PostgreSQL), one module per concept, each
function next to the ORM reference it must agree with and a test comparing both
(`tests/performance/test_db_fast_paths.py`)."""
