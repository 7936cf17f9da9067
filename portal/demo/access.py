"""Who the demo people are on the demo cases: each sees a different, sensible slice."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select

from portal.admin.models import CSP, Organisation, csp_leads
from portal.auth.models import User
from portal.cases.models import CaseAgency, Membership, RestrictedIdentity
from portal.clock import utcnow
from portal.extensions import db

# (email, role, case key, ends_on)
MEMBERSHIPS = [
    ("author@example.org", "author", ("U", 2023, None), None),
    ("author@example.org", "author", ("A", 2024, None), None),
    ("author@example.org", "author", ("B", 2024, None), None),
    # Current: X 2021 goes to the Home Office, and its author uploads the changes they ask for.
    ("author@example.org", "author", ("X", 2021, None), None),
    ("panel.member@example.org", "panel_member", ("U", 2023, None), None),
    ("panel.member@example.org", "panel_member", ("A", 2024, None), None),
    ("panel.member@example.org", "panel_member", ("D", 2024, None), None),
    # Finished: shows that access stops by itself after the end date (H 2022 is with the Home Office).
    ("panel.member@example.org", "panel_member", ("H", 2022, None), date(2025, 9, 30)),
    # Rutland's community safety officer follows Rutland's review, and one elsewhere in the county.
    ("observer@example.org", "observer", ("M", 2024, None), None),
    ("observer@example.org", "observer", ("D", 2024, None), None),
]

# Agencies involved in each case (their contacts answer its requests).
AGENCIES = {
    ("J", 2022, None): ["Leicestershire Police", "Probation Service (East Midlands)"],
    ("U", 2023, None): ["Leicestershire Police", "University Hospitals of Leicester NHS Trust"],
    ("A", 2024, None): [
        "Leicestershire Police",
        "University Hospitals of Leicester NHS Trust",
        "Leicestershire County Council Adult Social Care",
    ],
    ("B", 2024, None): ["Leicestershire Police", "Probation Service (East Midlands)"],
    ("D", 2024, None): ["University Hospitals of Leicester NHS Trust", "Juniper Lodge Domestic Abuse Service"],
}

# Invented names: real names are the most sensitive data in the system, so the demo shows them.
# What agencies search their records with, for some of the names above (made up, as the names are).
IDENTITY_DETAILS = {
    "Joanne Mercer-Hale": {
        "date_of_birth": date(1981, 3, 27),
        "address_line_1": "14 Cropston Road",
        "address_town": "Anstey",
        "postcode": "LE7 7BP",
    },
    "Craig Hollins": {"date_of_birth": date(1978, 9, 2)},
    "Sandra Petrie": {
        "date_of_birth": date(1956, 1, 19),
        "address_line_1": "3 Orchard Close",
        "address_town": "Loughborough",
        "postcode": "LE11 2QT",
    },
}

IDENTITIES = {
    ("A", 2024, None): [("victim", "Joanne Mercer-Hale", None), ("perpetrator", "Craig Hollins", "Partner")],
    ("U", 2023, None): [
        ("victim", "Sandra Petrie", None),
        ("perpetrator", "Leon Petrie", "Son"),
        ("family", "Marie Dunmore", "Sister"),
    ],
    ("B", 2016, None): [("victim", "Alison Gratton", None), ("perpetrator", "Dean Gratton", "Husband")],
}

CSP_LEADS = {"csp.lead@example.org": ["Charnwood"]}
AGENCY_CONTACTS = ["agency.contact@example.org"]


def grant_demo_access(cases: dict) -> None:
    users = {user.email: user for user in db.session.execute(select(User)).scalars()}
    organisations = {org.name: org for org in db.session.execute(select(Organisation)).scalars()}
    csps = {csp.area: csp for csp in db.session.execute(select(CSP)).scalars()}
    business_office = users["business.office@example.org"]
    for email, role, key, ends_on in MEMBERSHIPS:
        db.session.add(
            Membership(
                case_id=cases[key].id,
                user_id=users[email].id,
                role=role,
                ends_on=ends_on,
                added_by_id=business_office.id,
            )
        )
    for key, names in AGENCIES.items():
        for name in names:
            db.session.add(CaseAgency(case_id=cases[key].id, organisation_id=organisations[name].id))
    for key, people in IDENTITIES.items():
        for role, name, relationship in people:
            db.session.add(
                RestrictedIdentity(
                    case_id=cases[key].id,
                    role=role,
                    full_name=name,
                    relationship_to_victim=relationship,
                    **IDENTITY_DETAILS.get(name, {}),
                )
            )
    # Granted by the business office, when the demo was loaded, as the admin pages record it
    # (portal/admin/services.py): the members page then says who and since when.
    now = utcnow()
    for email, areas in CSP_LEADS.items():
        for area in areas:
            db.session.execute(
                insert(csp_leads).values(
                    user_id=users[email].id, csp_id=csps[area].id, granted_by_id=business_office.id, granted_at=now
                )
            )
        db.session.expire(users[email], ["led_csps"])
    for email in AGENCY_CONTACTS:
        users[email].is_agency_contact = True
        users[email].contact_granted_by_id, users[email].contact_granted_at = business_office.id, now
