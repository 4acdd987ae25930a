"""Alembic environment: run by :meth:`geo.store.Store.migrate` with an open connection."""

from alembic import context

from geo.store import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
