"""Draft files made the way authors make them: PDFs from HTML (WeasyPrint), Word from python-docx."""

from __future__ import annotations

import io
import zipfile

import docx
import weasyprint
from docx.enum.section import WD_SECTION


def pdf(pages: int = 3, *, landscape_page: bool = False) -> bytes:
    body = "".join(
        f"<section style='page-break-after: always'><h1>Overview Report page {n}</h1>"
        f"<p>Paragraph text on page {n}.</p></section>"
        for n in range(1, pages + 1)
    )
    style = "@page { size: A4; margin: 2cm }"
    if landscape_page:
        style += " @page wide { size: A4 landscape } section:last-child { page: wide }"
    return weasyprint.HTML(string=f"<html><head><style>{style}</style></head><body>{body}</body></html>").write_pdf()


def docx_file(paragraphs: list[str] | None = None, *, sections: int = 3) -> bytes:
    """Several sections; the first has its own first-page header, the second its own header,
    the third is linked to the one before (as Word does when a section break is inserted)."""
    document = docx.Document()
    document.core_properties.title = "Overview Report"
    first = document.sections[0]
    first.header.paragraphs[0].text = "Overview Report - header"
    first.footer.paragraphs[0].text = "Page footer"
    first.different_first_page_header_footer = True
    first.first_page_header.paragraphs[0].text = "Title page header"
    for text in paragraphs or ["Introduction", "The review panel met on five occasions."]:
        document.add_paragraph(text)
    for n in range(2, sections + 1):
        section = document.add_section(WD_SECTION.NEW_PAGE)
        if n == 2:
            section.header.is_linked_to_previous = False
            section.header.paragraphs[0].text = "Section 2 header"
        document.add_paragraph(f"Section {n} text")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def broken_docx() -> bytes:
    """A real zip with Word's parts, whose document.xml is cut short."""
    source = io.BytesIO(docx_file())
    out = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w") as damaged:
        for info in original.infolist():
            data = original.read(info)
            damaged.writestr(info, data[: len(data) // 2] if info.filename == "word/document.xml" else data)
    return out.getvalue()
