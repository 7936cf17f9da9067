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
    Page(
        "a request and its return (agency contact)",
        "/cases/{agency_case}/trawl/requests/{agency_request}",
        role="agency_contact",
    ),
    Page("a request and its return (business office)", "/cases/{agency_case}/trawl/requests/{agency_request}"),
    Page(
        "the return being written (agency contact)",
        "/cases/{agency_case}/trawl/requests/{agency_request}/return",
        role="agency_contact",
    ),
    Page("case page with its trawl section", "/cases/{trawl_case}"),
    Page("trawl tracker", "/cases/{trawl_case}/trawl"),
    Page("merged chronology", "/cases/{trawl_case}/trawl/chronology"),
    Page("agency lists", "/trawl/agency-lists"),
    Page("action plan of a case", "/cases/{plan_case}/action-plan"),
    Page("action plan history", "/cases/{plan_case}/action-plan/history"),
    Page("one action (action owner)", "/cases/{owner_case}/actions/{owner_action}", role="action_owner"),
    Page("my actions (action owner)", "/my-actions", role="action_owner"),
    Page("action tracker (business office)", "/action-tracker"),
    Page("action tracker (CSP lead)", "/action-tracker", role="csp_lead"),
    Page("action tracker, filtered (htmx fragment)", "/action-tracker?year=2024", kind="fragment"),
    Page("repeated learning", "/action-tracker/repeated-learning"),
    # Drafts: the demo's reviews in drafting have versions, circulations and comments
    # ({draft_case}); the generated reviews have none, so {case} times the empty pages' own cost.
    Page("drafts of a case", "/cases/{case}/drafts"),
    Page("drafts of a case in drafting", "/cases/{draft_case}/drafts"),
    Page("a draft version", "/cases/{draft_case}/drafts/versions/{draft_version}"),
    Page("a draft version's comments", "/cases/{draft_case}/drafts/versions/{draft_version}/comments"),
    Page("a draft version's circulation tracker", "/cases/{draft_case}/drafts/versions/{draft_version}/tracker"),
    Page("contact log of a case", "/cases/{case}/contact-log"),
    Page("contact log of a case in drafting", "/cases/{draft_case}/contact-log"),
    Page("sign-off, Home Office and publication of a case", "/cases/{plan_case}/submission"),
    Page("identifiers kept for a submission", "/cases/{identity_case}/submission/identifiers"),
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
