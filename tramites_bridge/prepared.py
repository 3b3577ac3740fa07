"""Cursors for the few statements that run on every submission."""

from functools import cache

from django.db import connection


def prepared_cursor():
    """A cursor of the default connection whose statements PostgreSQL parses and plans once
    per connection (a server-side prepared statement, with server-side parameters), wrapped as
    Django wraps its own cursors (execute wrappers). The submission INSERT and the idempotency
    check have a handful of shapes and run on every submission: planning the INSERT's six CTEs
    each time cost PostgreSQL more than running them. The ORM's own cursors keep client-side
    binding.

    Elsewhere (SQLite), and while Django logs queries (DEBUG, or a test capturing them: Django
    cannot show the text of a prepared statement in its log), this is the ORM's usual cursor."""
    if connection.vendor != "postgresql" or connection.queries_logged:
        return connection.cursor()
    connection.ensure_connection()
    return connection._prepare_cursor(_prepared_cursor_class()(connection.connection))


@cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparedCursor
