"""What the load benchmark (bench/load.py) drives: one line per page.

A new area adds its pages here, one ``Page`` each. ``path`` may name values found in the
generated data set (``{case}``: the case with the longest history, see ``PLACEHOLDERS``
in load.py). ``role`` is a demo account (portal/demo/people.py), signed in once per run
through the real sign-in form. ``kind`` picks the target: "page" (at least 20% of bare
hello's requests per second) or "fragment" (an htmx request, at least 35%). ``register``
pages are also measured at the register's own, larger, data size.

``DOWNLOADS`` are files built on request: timed one request at a time, not under load.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    role: str = "business_office"
    kind: str = "page"  # "page" or "fragment" (sent with HX-Request: true)
    register: bool = False


@dataclass(frozen=True)
class Download:
    name: str
    path: str
    role: str = "business_office"


PAGES = [
    Page("home (business office)", "/home"),
    Page("home (CSP lead)", "/home", role="csp_lead"),
    Page("register, page 1", "/cases", register=True),
    Page("register, page 2", "/cases?page=2", register=True),
    Page("register, page 2 (htmx fragment)", "/cases?page=2", kind="fragment", register=True),
    Page("register, filter: in review", "/cases?stage=in_review", register=True),
    Page("register, search: a pseudonym", "/cases?q=Adult+K", register=True),
    Page("case page", "/cases/{case}"),
    Page("dashboard", "/dashboard"),
    Page("board report page", "/reports/board"),
    Page("retention: cases due for disposal", "/retention"),
    Page("audit search: case views", "/admin/audit?action=case.viewed", role="admin"),
    Page("requests for my agency", "/trawl/requests", role="agency_contact"),
    Page("trawl tracker", "/cases/{trawl_case}/trawl"),
    Page("merged chronology", "/cases/{trawl_case}/trawl/chronology"),
    Page("action plan of a case", "/cases/{plan_case}/action-plan"),
    Page("my actions (action owner)", "/my-actions", role="action_owner"),
    Page("action tracker (business office)", "/action-tracker"),
    Page("action tracker (CSP lead)", "/action-tracker", role="csp_lead"),
    Page("action tracker, filtered (htmx fragment)", "/action-tracker?year=2024", kind="fragment"),
    Page("repeated learning", "/action-tracker/repeated-learning"),
    # Drafts (the generated data set has no drafts yet: these time the pages' own cost).
    Page("drafts of a case", "/cases/{case}/drafts"),
    Page("contact log of a case", "/cases/{case}/contact-log"),
    Page("sign-off, Home Office and publication of a case", "/cases/{plan_case}/submission"),
]

DOWNLOADS = [
    Download("board report, Word", "/reports/board.docx"),
    Download("board report, PDF", "/reports/board.pdf"),
    Download("merged chronology, Word", "/cases/{trawl_case}/trawl/chronology.docx"),
    Download("merged chronology, Excel", "/cases/{trawl_case}/trawl/chronology.xlsx"),
    Download("action tracker, CSV", "/action-tracker/export.csv"),
    Download("action plan, Excel", "/cases/{plan_case}/action-plan/export.xlsx"),
    Download("action plan, Word", "/cases/{plan_case}/action-plan/export.docx"),
]
