"""Chronology rows imported from a file, the merged chronology, its exports, and its query counts."""

from __future__ import annotations

import csv
import io
from datetime import date, time

import docx
import openpyxl
import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.trawl.chronology_io import HEADINGS, template_csv
from portal.trawl.models import ChronologyRow, Trawl, TrawlRequest, TrawlReturn, TrawlSubject
from portal.web.exports import MARKING
from portal.web.sqlcount import statements_counted
from tests.conftest import page_text
from tests.support import error_summary, forget_kept_pages

from .conftest import request_url


def _csv(rows: list[list[str]]) -> bytes:
    """The template as an agency fills it in: its own lines, then one line per row."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return template_csv() + out.getvalue().encode()


GOOD = [
    ["02/05/2024", "14:30", "Adult T (victim)", "PC Smith", "999 call", "Argument reported", "Attended", "INC-1"],
    ["01/05/2024", "", "Male P (perpetrator)", "PC Jones", "Arrest", "Arrested", "Charged", "INC-2"],
]


def _upload(client, request, data: bytes, filename="chronology.csv"):
    return client.post(
        f"{request_url(request)}/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_a_good_file_imports_every_row(tw, circulated, login_as):
    police = circulated["police"]
    client = login_as(tw.users["police"])
    assert client.get(f"{request_url(police)}/import/template.csv").data.startswith(template_csv()[:20])
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"{request_url(police)}/import/template.xlsx").data))
    assert workbook.active is not None
    response = _upload(client, police, _csv(GOOD))
    assert response.status_code == 302, error_summary(response)
    db.session.expire_all()
    rows = db.session.get(TrawlRequest, police.id).current.rows
    assert [(row.occurred_on, row.occurred_at, row.subject) for row in rows] == [
        (date(2024, 5, 1), None, "Male P (perpetrator)"),
        (date(2024, 5, 2), time(14, 30), "Adult T (victim)"),
    ]


def test_a_file_with_bad_rows_imports_nothing_and_names_every_one(tw, circulated, login_as):
    police = circulated["police"]
    client = login_as(tw.users["police"])
    bad = [
        GOOD[0],
        ["31/02/2024", "", "Adult T (victim)", "PC", "Call", "Happened", "None", "X"],
        ["03/05/2024", "", "Somebody Else", "PC", "Call", "Happened", "None", "X"],
    ]
    response = _upload(client, police, _csv(bad))
    assert response.status_code == 422
    summary = error_summary(response)
    assert "nothing in it has been added" in summary
    assert "Row 4" in summary and "Row 5" in summary and "Date" in summary and "Subject" in summary
    db.session.expire_all()
    assert db.session.get(TrawlRequest, police.id).current.rows == []


def _accept_with_rows(request, rows, actor):
    """A request answered with ``rows`` (occurred_on, occurred_at, what_happened) and accepted."""
    db.session.expire_all()
    current = db.session.get(TrawlRequest, request.id).current
    for occurred_on, occurred_at, what in rows:
        current.rows.append(
            ChronologyRow(
                occurred_on=occurred_on,
                occurred_at=occurred_at,
                subject="Adult T (victim)",
                practitioner="Someone",
                contact_type="Visit",
                what_happened=what,
                action_taken="None",
                source_reference="R",
            )
        )
    current.status = "accepted"
    current.request.closed_at = current.request.sent_at
    db.session.commit()


def test_merged_chronology_orders_groups_filters_and_exports(tw, circulated, login_as):
    police, nhs = circulated["police"], circulated["nhs"]
    _accept_with_rows(
        police, [(date(2024, 5, 2), time(9, 0), "Police at 9"), (date(2024, 6, 1), None, "Police June")], None
    )
    _accept_with_rows(
        nhs, [(date(2024, 5, 2), None, "NHS that day"), (date(2024, 4, 1), time(8, 0), "NHS April")], None
    )
    author = login_as(tw.users["author"])
    url = f"{tw.case_url}/trawl/chronology"
    text = page_text(author.get(url))
    order = [text.index(what) for what in ("NHS April", "NHS that day", "Police at 9", "Police June")]
    assert order == sorted(order)
    assert "2 May 2024 2 agencies Trawl NHS Trust, Trawl Police" in text
    filtered = page_text(author.get(url, query_string={"agency": str(tw.orgs["police"].id)}))
    assert "Police June" in filtered and "NHS April" not in filtered
    period = page_text(author.get(url, query_string={"date_from": ["1", "5", "2024"], "date_to": ["31", "5", "2024"]}))
    assert "NHS that day" in period and "Police June" not in period and "NHS April" not in period

    word = author.get(f"{url}.docx")
    assert word.status_code == 200 and "attachment" in word.headers["Content-Disposition"]
    document = docx.Document(io.BytesIO(word.data))
    assert document.paragraphs[0].text == MARKING
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Police at 9" in cells and "NHS April" in cells
    sheet = openpyxl.load_workbook(io.BytesIO(author.get(f"{url}.xlsx").data)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert MARKING in values and "Police June" in values
    lines = list(csv.reader(io.StringIO(author.get(f"{url}.csv").data.decode("utf-8-sig"))))
    assert lines[0] == [MARKING] and "NHS April" in [cell for line in lines for cell in line]
    exported = (
        db.session.execute(select(AuditEvent).where(AuditEvent.action == "trawl.chronology_exported")).scalars().all()
    )
    assert len(exported) == 3
    assert HEADINGS[0] in lines[2]


def _big_trawl(tw, agencies: int, rows_each: int, make_org):
    trawl = Trawl(case_id=tw.case.id, scope_from=date(2020, 1, 1), scope_to=date(2025, 1, 1))
    trawl.subjects = [TrawlSubject(role="victim", pseudonym="Adult T")]
    db.session.add(trawl)
    db.session.flush()
    for n in range(agencies):
        org = make_org(f"Agency {agencies}-{n}", type="housing")
        request = TrawlRequest(trawl_id=trawl.id, case_id=tw.case.id, organisation_id=org.id, due_on=date(2026, 3, 30))
        answer = TrawlReturn(number=1, status="accepted" if n % 2 == 0 else "submitted", nil_return=False)
        for day in range(rows_each):
            answer.rows.append(
                ChronologyRow(
                    occurred_on=date(2024, 1, 1 + day % 28),
                    subject="Adult T (victim)",
                    practitioner="P",
                    contact_type="C",
                    what_happened="W",
                    action_taken="A",
                    source_reference="S",
                )
            )
        request.returns.append(answer)
        db.session.add(request)
    db.session.commit()


def _queries(client, url) -> int:
    client.get(url)  # warm up: the first request after signing in sets the session's cookie
    forget_kept_pages()  # count the page being built, not served again from the page cache
    with statements_counted() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


@pytest.mark.parametrize("page", ["trawl", "trawl/chronology", ""], ids=["tracker", "chronology", "case page"])
def test_the_tracker_and_the_merged_chronology_take_the_same_queries_at_two_sizes(tw, login_as, make_org, page, app):
    counts = []
    for agencies, rows_each in ((2, 2), (12, 30)):
        for trawl in db.session.execute(select(Trawl)).scalars():
            db.session.delete(trawl)
        db.session.commit()
        _big_trawl(tw, agencies, rows_each, make_org)
        counts.append(_queries(login_as(tw.users["author"]), f"{tw.case_url}/{page}".rstrip("/")))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("status", ["accepted", "submitted"])
def test_a_requests_page_takes_the_same_queries_at_two_sizes(tw, login_as, make_org, status):
    counts = []
    for agencies, rows_each in ((2, 2), (12, 30)):
        for trawl in db.session.execute(select(Trawl)).scalars():
            db.session.delete(trawl)
        db.session.commit()
        _big_trawl(tw, agencies, rows_each, make_org)
        request = next(  # one of the trawl just made (the earlier one's requests stay behind)
            request
            for request in db.session.execute(select(TrawlRequest).order_by(TrawlRequest.id.desc())).scalars()
            if request.current.status == status
        )
        client = login_as(tw.users["author"])
        counts.append(_queries(client, request_url(request)))
        assert f"Chronology ({rows_each} rows)" in page_text(client.get(request_url(request)))
    assert counts[0] == counts[1]


def test_requests_for_my_agency_take_the_same_queries_at_two_sizes(tw, login_as, make_org):
    from portal.cases.models import Case, CaseAgency

    police = tw.orgs["police"]
    client = login_as(tw.users["police"])
    counts = []
    for cases in (1, 8):
        for n in range(cases):
            case = Case(letter=f"Q{cases}{n}", year=2025, review_type="dhr", stage="in_review", pseudonym="Adult Q")
            db.session.add(case)
            db.session.flush()
            trawl = Trawl(case_id=case.id, scope_from=date(2020, 1, 1), scope_to=date(2025, 1, 1))
            db.session.add(trawl)
            db.session.flush()
            request = TrawlRequest(
                trawl_id=trawl.id, case_id=case.id, organisation_id=police.id, due_on=date(2026, 4, 1)
            )
            request.returns.append(TrawlReturn(number=1, status="draft"))
            db.session.add_all([request, CaseAgency(case_id=case.id, organisation_id=police.id)])
        db.session.commit()
        counts.append((_queries(client, "/trawl/requests"), _queries(client, "/home")))
    assert counts[0] == counts[1]


def test_the_merged_chronology_comes_in_pages_of_whole_days_and_exports_keep_the_filters(
    tw, circulated, login_as, monkeypatch
):
    from portal.trawl import chronology

    monkeypatch.setattr(chronology, "ROWS_PER_PAGE", 2)
    police, nhs = circulated["police"], circulated["nhs"]
    _accept_with_rows(
        police, [(date(2024, 5, 2), None, "Police day two"), (date(2024, 5, 3), None, "Police day three")], None
    )
    _accept_with_rows(nhs, [(date(2024, 5, 2), None, "NHS day two"), (date(2024, 5, 1), None, "NHS day one")], None)
    author = login_as(tw.users["author"])
    url = f"{tw.case_url}/trawl/chronology"
    first = page_text(author.get(url))
    assert "NHS day one" in first and "NHS day two" in first and "Police day two" in first  # day 2 not split
    assert "Police day three" not in first and "Pages of the merged chronology" in author.get(url).get_data(
        as_text=True
    )
    second = page_text(author.get(url, query_string={"page": "2"}))
    assert "Police day three" in second and "NHS day one" not in second
    assert "4 rows" in second  # the count is of every row, on every page
    filtered = author.get(url, query_string={"date_from": ["2", "5", "2024"], "page": "1"}).get_data(as_text=True)
    assert "date_from=2&amp;date_from=5&amp;date_from=2024" in filtered  # the export links keep the whole date
    lines = author.get(f"{url}.csv", query_string={"date_from": ["2", "5", "2024"]}).data.decode("utf-8-sig")
    assert "NHS day one" not in lines and "Police day three" in lines
