"""Alembic environment: runs inside the Flask app (``flask db …``) and uses its engine."""

import logging

from alembic import context
from flask import current_app

log = logging.getLogger("alembic.env")
db = current_app.extensions["migrate"].db
config = context.config
config.set_main_option("sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))
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

    with db.engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=db.metadata, process_revision_directives=skip_empty, **options
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
