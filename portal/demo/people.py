"""Demo accounts: one for each kind of person the portal serves. All names are invented."""

from __future__ import annotations

import base64
import hashlib

DEMO_PASSWORD = "Demo portal password 2026"  # noqa: S105 - fictional demo accounts, printed by make run

BUSINESS_OFFICE = "Safeguarding Partnerships Business Office"

# (name, type) - real public bodies of the area; the people below are invented.
ORGANISATIONS = [
    (BUSINESS_OFFICE, "other"),
    ("Leicestershire Police", "police"),
    ("University Hospitals of Leicester NHS Trust", "nhs_trust"),
    ("Leicestershire Partnership NHS Trust", "nhs_trust"),
    ("Leicester, Leicestershire and Rutland Integrated Care Board", "icb"),
    ("Probation Service (East Midlands)", "probation"),
    ("East Midlands Ambulance Service", "ambulance"),
    ("Leicestershire County Council Adult Social Care", "adult_social_care"),
    ("Leicestershire County Council Children and Family Services", "childrens_social_care"),
    ("Charnwood Borough Council Housing", "housing"),
    ("Rutland County Council", "other"),
    ("Juniper Lodge Domestic Abuse Service", "domestic_abuse_service"),
    ("Independent authors and chairs", "other"),
]

# The seven district CSPs of Leicestershire, and Rutland's.
CSPS = [
    ("Blaby Community Safety Partnership", "Blaby"),
    ("Charnwood Community Safety Partnership", "Charnwood"),
    ("Harborough Community Safety Partnership", "Harborough"),
    ("Hinckley and Bosworth Community Safety Partnership", "Hinckley and Bosworth"),
    ("Melton Community Safety Partnership", "Melton"),
    ("North West Leicestershire Community Safety Partnership", "North West Leicestershire"),
    ("Oadby and Wigston Community Safety Partnership", "Oadby and Wigston"),
    ("Rutland Community Safety Partnership", "Rutland"),
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
        "observer",
        "Eleanor Whitcombe",
        "observer@example.org",
        "Rutland County Council",
        None,
        "Observer (Rutland)",
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
