"""Alembic migrations of the service database (run with `grader db upgrade`)."""
