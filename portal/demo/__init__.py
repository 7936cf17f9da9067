"""Fictional demo data: people, organisations and (later) cases. Never loaded in production."""
