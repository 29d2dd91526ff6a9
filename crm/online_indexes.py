"""Index operations for migrations on big, busy tables.

On PostgreSQL they build and drop indexes CONCURRENTLY, so a deployment does not lock
follow-ups or calls against writes while an index over millions of rows is built; a
migration using them sets `atomic = False` (CONCURRENTLY cannot run in a transaction).
Elsewhere (SQLite, the demo) they are the plain operations.
"""

from django.db.migrations.operations import AddIndex, AlterField, RemoveIndex


def _concurrently(schema_editor) -> dict:
    return {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}


class AddIndexOnline(AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, **_concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, **_concurrently(schema_editor))


class RemoveIndexOnline(RemoveIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.remove_index(model, index, **_concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.add_index(model, index, **_concurrently(schema_editor))


class FieldIndexDropOnline(AlterField):
    """`AlterField` for a field whose only change is `db_index=False`.

    Django's AlterField drops a foreign key's constraint with its index and adds it back,
    which re-checks every row under a lock that stops writes to a table of millions of
    leads for seconds. On PostgreSQL this drops only the field's own single-column index,
    CONCURRENTLY, and leaves the constraint alone; elsewhere (and backwards, a rare
    rollback) it is the plain AlterField."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return None
        column = model._meta.get_field(self.name).column
        names = schema_editor._constraint_names(
            model, [column], index=True, unique=False, primary_key=False
        )
        for name in names:
            schema_editor.execute(
                f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}"
            )
        return None
