"""SQLAlchemy models: every table of the backend and workers. Importing this package registers them all."""
