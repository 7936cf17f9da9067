"""Fictional demo data: people, organisations and cases. Never loaded in production."""
