"""Demo accounts: one for each kind of person the portal serves. All names are invented."""

from __future__ import annotations

import base64
import hashlib

DEMO_PASSWORD = "Demo portal password 2026"  # noqa: S105 - fictional demo accounts, printed by make run

BUSINESS_OFFICE = "Safeguarding Partnerships Business Office"

ORGANISATIONS = [
    BUSINESS_OFFICE,
    "Leicestershire Police",
    "University Hospitals of Leicester NHS Trust",
    "Leicestershire Partnership NHS Trust",
    "Leicester, Leicestershire and Rutland Integrated Care Board",
    "Probation Service (East Midlands)",
    "East Midlands Ambulance Service",
    "Leicestershire County Council Adult Social Care",
    "Leicestershire County Council Children and Family Services",
    "Charnwood Borough Council Housing",
    "Rutland County Council",
    "Juniper Lodge Domestic Abuse Service",
    "Independent authors and chairs",
]

# (key, name, email, organisation, system role, what they do)
PEOPLE = [
    ("admin", "Nadia Farrow", "admin@example.org", BUSINESS_OFFICE, "admin", "Administrator"),
    (
        "business_office",
        "Owen Pritchard",
        "business.office@example.org",
        BUSINESS_OFFICE,
        "business_office",
        "Business office officer",
    ),
    (
        "csp_lead",
        "Hannah Lowther",
        "csp.lead@example.org",
        "Charnwood Borough Council Housing",
        None,
        "CSP lead (Charnwood)",
    ),
    ("author", "Martin Ashdown", "author@example.org", "Independent authors and chairs", None, "Independent author"),
    (
        "panel_member",
        "Grace Oyelaran",
        "panel.member@example.org",
        "University Hospitals of Leicester NHS Trust",
        None,
        "Panel member",
    ),
    (
        "agency_contact",
        "Imran Dhillon",
        "agency.contact@example.org",
        "Leicestershire Police",
        None,
        "Agency contact (police)",
    ),
    (
        "action_owner",
        "Bethan Caldwell",
        "action.owner@example.org",
        "Leicestershire County Council Adult Social Care",
        None,
        "Action owner",
    ),
]


def demo_secret(email: str) -> str:
    """A fixed TOTP secret per demo account, so ``flask demo totp`` and tests can produce codes."""
    digest = hashlib.sha256(f"demo-totp:{email}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()
