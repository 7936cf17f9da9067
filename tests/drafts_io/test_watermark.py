"""Per-reader watermarks read back with pypdf and python-docx, as a reader's software would."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import docx
import pikepdf
import pypdf
import pytest

from portal.drafts.watermark import WatermarkError, stamp_text, watermark

from . import samples

WHEN = datetime(2026, 12, 1, 14, 5, tzinfo=UTC)
JANE = ("Jane O'Neil", "Leicestershire Police")
ZOE = ("Zoë O'Brien (née Ło) <&> \\ 李", "Ωmega & <Sons> (Ltd)")


def stamped(kind: str, source: bytes, reader) -> bytes:
    return b"".join(watermark(kind, source, stamp_text(*reader, WHEN)))


def pdf_pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data), strict=True).pages]


def docx_texts(data: bytes) -> tuple[list[tuple[str, str]], str]:
    """(where, text) for every header and footer a section shows, and the core properties."""
    document = docx.Document(io.BytesIO(data))
    shown = []
    for index, section in enumerate(document.sections):
        kinds = ["header", "footer"]
        if section.different_first_page_header_footer:
            kinds += ["first_page_header", "first_page_footer"]
        for kind in kinds:
            part = getattr(section, kind)
            shown.append((f"section {index} {kind}", "\n".join(p.text for p in part.paragraphs)))
    props = document.core_properties
    return shown, "\n".join([props.comments, props.keywords, props.category])


def test_stamp_text_is_london_time_and_marked():
    assert stamp_text(*JANE, WHEN) == (
        "Copy for Jane O'Neil (Leicestershire Police), 1 December 2026 14:05"
        " - OFFICIAL-SENSITIVE - DRAFT - not to be copied or forwarded"
    )
    summer = datetime(2026, 7, 1, 13, 5)  # naive is UTC; London is an hour ahead in July
    assert "1 July 2026 14:05" in stamp_text(*JANE, summer)
    assert stamp_text("Jane\nO'Neil\x00\ud800", "Org\t", WHEN).startswith("Copy for Jane O'Neil (Org), ")


def test_pdf_every_page_carries_its_reader_only():
    source = samples.pdf(pages=4, landscape_page=True)
    before = bytes(source)
    copies = {reader[0]: stamped("pdf", source, reader) for reader in (JANE, ZOE)}
    assert source == before
    for reader, other in ((JANE, ZOE), (ZOE, JANE)):
        pages = pdf_pages_text(copies[reader[0]])
        assert len(pages) == 4
        for text in pages:
            assert reader[0] in text
            assert reader[1] in text
            assert "1 December 2026 14:05" in text
            assert "OFFICIAL-SENSITIVE - DRAFT - not to be copied or forwarded" in text
            assert other[0] not in text
        assert other[0].encode() not in copies[reader[0]]
        with pikepdf.open(io.BytesIO(copies[reader[0]])) as pdf:
            assert pdf.check_pdf_syntax() == []
            # The page's own words are still there.
            assert "Paragraph text on page 1" in pypdf.PdfReader(io.BytesIO(copies[reader[0]])).pages[0].extract_text()


def test_pdf_rotated_and_inherited_resources_pages_are_stamped():
    pdf = pikepdf.new()
    for rotate in (0, 90, 180, 270):
        pdf.add_blank_page(page_size=(595, 842))
        pdf.pages[-1].obj.Rotate = rotate
    # One page whose resources come from the page tree (allowed by the PDF standard).
    del pdf.pages[0].obj["/Resources"]
    pdf.Root.Pages.Resources = pikepdf.Dictionary()
    buffer = io.BytesIO()
    pdf.save(buffer)
    pages = pdf_pages_text(stamped("pdf", buffer.getvalue(), JANE))
    assert all("Copy for Jane O'Neil (Leicestershire Police)" in text for text in pages)


def test_pdf_long_name_still_one_readable_line():
    reader = ("A" * 150, "Organisation " * 5)
    text = pdf_pages_text(stamped("pdf", samples.pdf(pages=1), reader))[0]
    assert "A" * 150 in text


def test_docx_every_section_header_and_footer_and_properties():
    source = samples.docx_file(sections=3)
    before = bytes(source)
    copies = {reader[0]: stamped("docx", source, reader) for reader in (JANE, ZOE)}
    assert source == before
    for reader, other in ((JANE, ZOE), (ZOE, JANE)):
        shown, properties = docx_texts(copies[reader[0]])
        assert len(shown) >= 3 * 2 + 2  # at least the first section's first page too
        for where, text in shown:
            assert reader[0] in text, where
            assert "1 December 2026 14:05" in text, where
            assert other[0] not in text, where
        assert reader[0] in properties and "OFFICIAL-SENSITIVE" in properties
        document = docx.Document(io.BytesIO(copies[reader[0]]))
        # The author's own header text is kept, with the stamp after it.
        assert document.sections[0].header.paragraphs[0].text == "Overview Report - header"
        assert document.sections[0].first_page_header.paragraphs[0].text == "Title page header"
        assert document.sections[1].header.paragraphs[0].text == "Section 2 header"
        assert document.core_properties.title == "Overview Report"
        body = "\n".join(p.text for p in document.paragraphs)
        assert "The review panel met on five occasions." in body and reader[0] not in body


def test_docx_even_page_headers_are_stamped_when_the_document_uses_them():
    document = docx.Document(io.BytesIO(samples.docx_file(sections=1)))
    document.settings.odd_and_even_pages_header_footer = True
    document.sections[0].even_page_header.paragraphs[0].text = "Even header"
    buffer = io.BytesIO()
    document.save(buffer)
    copy = docx.Document(io.BytesIO(stamped("docx", buffer.getvalue(), JANE)))
    even = copy.sections[0].even_page_header
    assert [p.text for p in even.paragraphs][0] == "Even header"
    assert any("Copy for Jane O'Neil" in p.text for p in even.paragraphs)
    assert any("Copy for Jane O'Neil" in p.text for p in copy.sections[0].even_page_footer.paragraphs)


def test_docx_special_characters_are_escaped_in_the_xml():
    copy = stamped("docx", samples.docx_file(), ZOE)
    import zipfile

    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        header = archive.read("word/header1.xml").decode()
        assert "&lt;&amp;&gt;" in header and "<&>" not in header


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_a_damaged_file_is_refused(kind):
    with pytest.raises(WatermarkError):
        watermark(kind, b"not a document at all", "text")


def test_a_damaged_word_file_is_refused():
    with pytest.raises(WatermarkError):
        watermark("docx", samples.broken_docx(), "text")


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="only pdf and docx"):
        watermark("odt", b"", "text")


def test_source_as_chunks():
    source = samples.pdf(pages=2)
    chunks = [source[i : i + 1000] for i in range(0, len(source), 1000)]
    copy = b"".join(watermark("pdf", iter(chunks), stamp_text(*JANE, WHEN)))
    assert all("Jane O'Neil" in text for text in pdf_pages_text(copy))


def test_pdf_owner_restrictions_stay_on_the_copy():
    buffer = io.BytesIO()
    with pikepdf.open(io.BytesIO(samples.pdf(pages=2))) as pdf:
        pdf.save(
            buffer,
            encryption=pikepdf.Encryption(
                owner="author secret", user="", allow=pikepdf.Permissions(modify_other=False)
            ),
        )
    copy = stamped("pdf", buffer.getvalue(), JANE)
    with pikepdf.open(io.BytesIO(copy)) as pdf:
        assert pdf.is_encrypted
        assert not pdf.allow.modify_other
    reader = pypdf.PdfReader(io.BytesIO(copy))
    assert reader.is_encrypted
    assert all("Copy for Jane O'Neil" in page.extract_text() for page in reader.pages)


def test_a_pdf_that_needs_a_password_is_refused():
    buffer = io.BytesIO()
    with pikepdf.open(io.BytesIO(samples.pdf(pages=1))) as pdf:
        pdf.save(buffer, encryption=pikepdf.Encryption(owner="o", user="reader password"))
    with pytest.raises(WatermarkError, match="password"):
        watermark("pdf", buffer.getvalue(), "text")


def test_docx_pictures_are_kept_and_stored_uncompressed():
    import zipfile

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(picture, "PNG")
    document = docx.Document(io.BytesIO(samples.docx_file(sections=1)))
    document.add_picture(io.BytesIO(picture.getvalue()))
    buffer = io.BytesIO()
    document.save(buffer)
    copy = stamped("docx", buffer.getvalue(), JANE)
    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        assert archive.testzip() is None
        media = [info for info in archive.infolist() if info.filename.startswith("word/media/")]
        assert [archive.read(info) for info in media] == [picture.getvalue()]
        assert {info.compress_type for info in media} == {zipfile.ZIP_STORED}
        assert archive.getinfo("word/document.xml").compress_type == zipfile.ZIP_DEFLATED
    assert len(docx.Document(io.BytesIO(copy)).inline_shapes) == 1


def test_pdf_a_character_dejavu_sans_lacks_is_drawn_from_an_installed_font_that_has_it():
    # U+A72C (Latin capital letter cuatrillo) is in DejaVu Serif, not in DejaVu Sans.
    reader = ("Ana \ua72c\ua72d Ruiz", "Health")
    copy = stamped("pdf", samples.pdf(pages=1), reader)
    assert reader[0] in pdf_pages_text(copy)[0]
    with pikepdf.open(io.BytesIO(copy)) as pdf:
        form = pdf.pages[0].Resources.XObject["/DardrWatermark"]
        fonts = {str(font.BaseFont): font for font in form.Resources.Font.values()}
        serif = next(font for name, font in fonts.items() if "DejaVuSerif" in name)
        cid_to_gid = serif.DescendantFonts[0].CIDToGIDMap.read_bytes()
        assert all(cid_to_gid[i : i + 2] != b"\0\0" for i in range(2, len(cid_to_gid), 2))  # real glyphs
        assert any("DejaVuSans" in name for name in fonts)
