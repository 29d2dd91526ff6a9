"""Raw-SQL fast paths of the leads app, each next to its ORM reference (tests compare them)."""
