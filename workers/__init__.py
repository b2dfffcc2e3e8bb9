"""Celery workers: thin tasks that take ids and call the backend's services (backend/services)."""
