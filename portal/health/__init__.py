"""Health checks for load balancers and process managers: ``/healthz`` and ``/readyz``.

Both are public and answer only ``ok`` or ``unavailable`` (text/plain): anyone can reach them,
so what failed and why goes to the log, never into the response.
"""
