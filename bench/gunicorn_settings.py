"""The load benchmark's gunicorn settings: none but those bench/load.py passes on the command line.

Gunicorn reads ``gunicorn.conf.py`` from the folder it starts in, and the benchmark starts in the
repository's, where that file holds production's settings (gthread with four threads per worker,
an access log line per request, each worker replaced after 2,000 requests). Under wrk those would
turn the "2 sync workers" every row is measured with into something else for the portal and the
baselines alike, and a worker replaced every second or two of a run costs the portal its start-up
each time. So the benchmark names this file instead: gunicorn's own defaults, then the command
line (2 sync workers, the bind address, the timeout and the log level).
"""
