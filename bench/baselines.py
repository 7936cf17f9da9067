"""The two baselines the load benchmark measures the portal against, served by the same gunicorn.

    gunicorn bench.baselines:hello     # "Hello": the fastest a Flask view can answer here
    gunicorn bench.baselines:rows      # a Jinja template rendering a 25-row table, as a register page shows

Neither touches a database or a session: the gap between them and a portal page is what
the portal's own work (session, access rules, SQL, rendering, audit) costs.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template

hello = Flask("hello")


@hello.route("/")
def say_hello():
    return "Hello"


rows = Flask("rows", template_folder=str(Path(__file__).parent / "templates"))
ROWS = [
    {
        "reference": f"DHR Case {chr(65 + n % 26)} {2016 + n % 10}",
        "pseudonym": f"Adult {chr(65 + n % 26)}",
        "partnership": ("Blaby", "Charnwood", "Harborough", "Melton", "Rutland")[n % 5],
        "stage": ("Referral", "Commissioning", "In review", "Signed off", "With the Home Office")[n % 5],
        "days": 17 * n % 400,
        "due": f"{1 + n % 28} March 2026",
    }
    for n in range(25)
]


@rows.route("/")
def twenty_five_rows():
    return render_template("rows.html", rows=ROWS)
