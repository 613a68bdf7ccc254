"""Alembic environment: runs inside the Flask app (``flask db …``).

Migrations connect as the schema's owner: MIGRATION_DATABASE_URL when it is set (the app's
own DATABASE_URL role owns nothing), else the app's own engine (SQLite, local trials).
"""

import logging

from alembic import context
from flask import current_app
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger("alembic.env")
db = current_app.extensions["migrate"].db
config = context.config
separate = current_app.config.get("MIGRATION_DATABASE_URI")
owner_url = make_url(separate) if separate else db.engine.url
config.set_main_option("sqlalchemy.url", owner_url.render_as_string(hide_password=False).replace("%", "%%"))
options = current_app.extensions["migrate"].configure_args


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=db.metadata, literal_binds=True, **options
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    def skip_empty(ctx, revision, directives):
        # `flask db migrate` with no model change should not write an empty file.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            log.info("no changes in schema detected")

    same = owner_url == db.engine.url
    engine = db.engine if same else create_engine(owner_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection, target_metadata=db.metadata, process_revision_directives=skip_empty, **options
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        if not same:
            engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
