"""Comparing two Word versions of a draft, as the author sees draft 2 beside draft 3."""

from __future__ import annotations

import io

import docx
import pytest

from portal.drafts.compare import Change, NotDocxError, compare_docx, paragraphs, word_segments

from . import samples

DRAFT_2 = [
    "Introduction",
    "The review panel met on five occasions.",
    "The GP practice saw the victim twice in 2024.",
    "Police attended the address in March.",
    "Conclusions",
]
DRAFT_3 = [
    "Introduction",
    "The review panel met on five occasions.",
    "Police attended the address in March.",
    "Children's social care received a referral in April.",
    "Conclusions",
]


def word_file(texts: list[str], table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for text in texts:
        document.add_paragraph(text)
        document.add_paragraph("")  # empty paragraphs are not differences
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_known_added_and_removed_paragraph_show_exactly_those():
    changes = compare_docx(word_file(DRAFT_2), word_file(DRAFT_3))
    assert [c for c in changes if c.kind != "same"] == [
        Change("removed", "The GP practice saw the victim twice in 2024.", None),
        Change("added", None, "Children's social care received a referral in April."),
    ]
    assert [c.old for c in changes if c.kind == "same"] == [
        "Introduction",
        "The review panel met on five occasions.",
        "Police attended the address in March.",
        "Conclusions",
    ]


def test_identical_files_have_no_differences():
    assert {c.kind for c in compare_docx(word_file(DRAFT_2), word_file(DRAFT_2))} == {"same"}


def test_an_edited_paragraph_is_changed_with_word_segments():
    old = DRAFT_2[:]
    new = DRAFT_2[:]
    new[3] = "Police attended the address twice in March."
    changes = [c for c in compare_docx(word_file(old), word_file(new)) if c.kind != "same"]
    assert len(changes) == 1
    change = changes[0]
    assert change.kind == "changed"
    assert change.segments == [
        ("same", "Police attended the address "),
        ("added", "twice "),
        ("same", "in March."),
    ]
    # The segments rebuild both versions.
    assert "".join(t for op, t in change.segments if op != "added") == change.old
    assert "".join(t for op, t in change.segments if op != "removed") == change.new


def test_replaced_words_are_removed_then_added():
    assert word_segments("met on five occasions", "met on six occasions") == [
        ("same", "met on "),
        ("removed", "five"),
        ("added", "six"),
        ("same", " occasions"),
    ]


def test_unrelated_replacement_is_removed_and_added_not_changed():
    changes = compare_docx(
        word_file(["A", "The GP practice saw her.", "Z"]), word_file(["A", "Xylophone quartet.", "Z"])
    )
    assert [c.kind for c in changes] == ["same", "removed", "added", "same"]


def test_table_cells_are_compared_in_order():
    old = word_file(["Agencies"], table=[["Agency", "Contacts"], ["Police", "3"]])
    new = word_file(["Agencies"], table=[["Agency", "Contacts"], ["Police", "4"]])
    assert paragraphs(old) == ["Agencies", "Agency", "Contacts", "Police", "3"]
    changes = [c for c in compare_docx(old, new) if c.kind != "same"]
    assert [(c.kind, c.old, c.new) for c in changes] == [("removed", "3", None), ("added", None, "4")]


def test_tracked_insertions_count_and_deletions_do_not():
    document = docx.Document()
    paragraph = document.add_paragraph("Kept ")
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    from lxml import etree

    paragraph._p.append(
        etree.fromstring(
            f'<w:ins xmlns:w="{w}" w:id="1" w:author="A" w:date="2026-12-01T00:00:00Z">'
            "<w:r><w:t>inserted</w:t></w:r></w:ins>"
        )
    )
    paragraph._p.append(
        etree.fromstring(
            f'<w:del xmlns:w="{w}" w:id="2" w:author="A" w:date="2026-12-01T00:00:00Z">'
            "<w:r><w:delText> deleted</w:delText></w:r></w:del>"
        )
    )
    out = io.BytesIO()
    document.save(out)
    assert paragraphs(out.getvalue()) == ["Kept inserted"]


def test_sections_and_headers_do_not_disturb_the_body():
    assert paragraphs(samples.docx_file(sections=2)) == [
        "Introduction",
        "The review panel met on five occasions.",
        "Section 2 text",
    ]


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7 not word", b"", b"PK\x03\x04 broken zip"],
    ids=["pdf", "empty", "broken-zip"],
)
def test_a_file_that_is_not_word_is_refused(data):
    with pytest.raises(NotDocxError, match="not a Word document"):
        compare_docx(data, word_file(DRAFT_2))
    assert issubclass(NotDocxError, ValueError)


def test_a_damaged_word_file_is_refused():
    with pytest.raises(NotDocxError):
        compare_docx(samples.broken_docx(), word_file(DRAFT_2))


def test_an_excel_file_is_refused():
    import openpyxl

    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    with pytest.raises(NotDocxError):
        compare_docx(word_file(DRAFT_2), out.getvalue())


def test_a_text_box_is_read_once_not_also_from_its_fallback_copy():
    from lxml import etree

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    document = docx.Document()
    paragraph = document.add_paragraph("Anchor ")
    paragraph._p.append(
        etree.fromstring(
            f'<w:r xmlns:w="{w}" xmlns:mc="{mc}"><mc:AlternateContent>'
            '<mc:Choice Requires="wps"><w:t>boxed</w:t></mc:Choice>'
            "<mc:Fallback><w:t>boxed</w:t></mc:Fallback>"
            "</mc:AlternateContent></w:r>"
        )
    )
    out = io.BytesIO()
    document.save(out)
    assert paragraphs(out.getvalue()) == ["Anchor boxed"]
