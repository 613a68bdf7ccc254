"""Entry point for gunicorn (``gunicorn -w 4 wsgi:app``) and the flask CLI."""

from service import create_app

app = create_app()
