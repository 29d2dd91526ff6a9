"""Pages of the training app: `courses` (my training, team training, the catalog,
materials) and `library` (promotions, call scripts, the case library)."""
