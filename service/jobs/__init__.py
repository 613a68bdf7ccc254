"""Scheduled jobs: declared in ``registry``, run by one dedicated scheduler process (``flask scheduler run``)."""
