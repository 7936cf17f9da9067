"""The anonymisation check on real files: Word documents made with python-docx, PDFs with
WeasyPrint (narrow columns, so names wrap and hyphenate as they do in a typeset report), their
text read back by ``extract_text`` and searched for a case's restricted identities."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date

import docx
import pytest
import weasyprint

from portal.submission.anonymisation import (
    Identity,
    Passage,
    UnreadableDocument,
    check,
    extract_text,
    terms_for,
)

VICTIM = "Victim (Adult A)"
SISTER = "Sister of Adult A"
IDENTITIES = [
    Identity("name", "Jane Eleanor Smith", VICTIM),
    Identity("alias", "Janey", VICTIM),
    Identity("date_of_birth", date(1980, 3, 1), VICTIM),
    Identity("address", "Flat 2\n14 Acacia Avenue\nLeamington Spa\nCV34 4RL", VICTIM),
    Identity("name", "Ann Müller", SISTER),
    Identity("postcode", "B15 2TT", SISTER),
]
CLEAN = [
    "The review panel met on five occasions between 2022 and 2023.",
    "Adult A lived with her children in a town in Warwickshire.",
    "The Annual Report of the Community Safety Partnership was considered; its annex was read.",
    "Agencies were asked to secure their records. Smithfield market and the Annexe are places.",
    "A meeting on 11/03/1980 is not a date of birth of anyone here, nor is 1 March 1981.",
]


def docx_bytes(paragraphs: list[str], *, table: list[list[str]] | None = None, header: str | None = None) -> bytes:
    document = docx.Document()
    document.core_properties.title = "Overview Report"
    document.core_properties.author = "Report author"
    if header:
        document.sections[0].header.paragraphs[0].text = header
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(paragraphs: list[str], *, width: str = "3.2cm", hyphens: bool = False) -> bytes:
    style = f"@page {{ size: A4; margin: 2cm }} p {{ width: {width}; font-size: 12pt }}"
    if hyphens:
        style += " p { hyphens: auto }"
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    html = f"<html lang='en'><head><style>{style}</style></head><body>{body}</body></html>"
    return weasyprint.HTML(string=html).write_pdf()


def pages(data: bytes) -> list[Passage]:
    return [passage for passage in extract_text("pdf", data) if passage.location.startswith("Page")]


def hits_in(kind: str, data: bytes, identities=IDENTITIES):
    return check(extract_text(kind, data), identities)


def found(hits) -> list[tuple[str, str]]:
    return [(hit.found, hit.identity_label) for hit in hits]


# -- Word --------------------------------------------------------------------------------------


def test_victims_name_in_a_word_paragraph_is_found_with_its_place_and_context():
    data = docx_bytes([*CLEAN, "On the day of the incident Jane Smith telephoned the police at 10pm."])
    hits = hits_in("docx", data)
    assert [(hit.found, hit.term, hit.identity_label, hit.location) for hit in hits] == [
        ("Jane Smith", "Jane Smith", VICTIM, "Paragraph 6")
    ]
    assert hits[0].context == "On the day of the incident «Jane Smith» telephoned the police at 10pm."
    assert hits[0].before == "On the day of the incident "
    assert hits[0].after == " telephoned the police at 10pm."


def test_the_context_is_about_sixty_characters_either_side():
    text = "x " * 100 + "Smith" + " y" * 100
    (hit,) = check([Passage("Page 1", text)], IDENTITIES)
    assert hit.before.startswith("…") and hit.after.endswith("…")
    assert 55 <= len(hit.before) <= 62 and 55 <= len(hit.after) <= 62
    assert "«Smith»" in hit.context


def test_word_tables_headers_and_properties_are_searched():
    data = docx_bytes(
        ["Introduction"],
        table=[["Agency", "Contact"], ["GP surgery", "Seen by Dr Patel with Ann Müller present"]],
        header="Overview Report - Smith family",
    )
    document = docx.Document(io.BytesIO(data))
    document.core_properties.subject = "Review of the death of Janey"
    out = io.BytesIO()
    document.save(out)
    hits = hits_in("docx", out.getvalue())
    assert {(hit.found, hit.location) for hit in hits} == {
        ("Ann Müller", "Table 1, row 2, cell 2"),
        ("Smith", "Header, paragraph 1"),
        ("Janey", "Document properties (subject)"),
    }


def test_a_clean_word_document_has_no_hits():
    assert hits_in("docx", docx_bytes(CLEAN, table=[["Adult A", "Adult B"]], header="Overview Report")) == []


# -- PDF ---------------------------------------------------------------------------------------


def test_a_name_split_across_a_line_break_in_a_pdf_is_found():
    data = pdf_bytes(["The review panel met the family of Jane Smith at their home."])
    (page,) = pages(data)
    assert page.location == "Page 1"
    assert "Jane\nSmith" in page.text  # the column is narrow enough to wrap between the names
    assert found(check([page], IDENTITIES)) == [("Jane Smith", VICTIM)]


def test_a_name_hyphenated_across_lines_in_a_pdf_is_found():
    # Word-break inside the surname: a long name in a very narrow column, hyphenated by WeasyPrint.
    identities = [Identity("name", "Jane Worthingtonshire", VICTIM)]
    data = pdf_bytes(["Considerations about Worthingtonshire notwithstanding."], width="2.2cm", hyphens=True)
    (page,) = pages(data)
    assert "Worthingtonshire" not in page.text.replace("\n", " ")  # really broken across lines
    hits = check([page], identities)
    assert [(hit.term, hit.found) for hit in hits] == [("Worthingtonshire", "Worthing\u2010 tonshire")]
    assert hits[0].context == "Consider\u2010 ations about «Worthing\u2010 tonshire» notwith\u2010 standing."


def test_a_clean_pdf_has_no_hits():
    assert hits_in("pdf", pdf_bytes(CLEAN, width="8cm")) == []


def test_pdf_pages_are_located_by_number():
    data = weasyprint.HTML(
        string="<p>Introduction</p><p style='page-break-before: always'>Page two mentions B15 2TT.</p>"
    ).write_pdf()
    hits = hits_in("pdf", data)
    assert [(hit.found, hit.location, hit.identity_label) for hit in hits] == [("B15 2TT", "Page 2", SISTER)]


# -- what is found, and what is not -------------------------------------------------------------


def passage(text: str) -> list[Passage]:
    return [Passage("Paragraph 1", text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mrs Smith's sister spoke to the panel.", "Smith"),
        ("Mrs Smith’s sister spoke to the panel.", "Smith"),  # Word's curly apostrophe
        ("The Smiths' house was visited.", "Smiths"),
        ("She was born on 1 March 1980 in Coventry.", "1 March 1980"),
        ("She was born on 1st March 1980 in Coventry.", "1st March 1980"),
        ("Date of birth: 01/03/1980.", "01/03/1980"),
        ("Date of birth: 1/3/1980.", "1/3/1980"),
        ("DOB 1.3.80", "1.3.80"),
        ("Born March 1, 1980.", "March 1, 1980"),
        ("dob=1980-03-01", "1980-03-01"),
        ("The address was CV34 4RL.", "CV34 4RL"),
        ("The address was CV344RL.", "CV344RL"),
        ("The address was cv34  4rl.", "cv34 4rl"),
        ("Police attended 14 Acacia Avenue twice.", "14 Acacia Avenue"),
        ("Police attended 14 Acacia Ave. twice.", "14 Acacia Ave"),
        ("Her friends called her Janey.", "Janey"),
        ("Jane   Smith", "Jane Smith"),  # extra spaces
        ("Jane\nSmith", "Jane Smith"),  # a line break
        ("JANE SMITH", "JANE SMITH"),
        ("Ann Muller was present.", "Ann Muller"),  # accents folded: ü written u
        ("Ann Müller was present.", "Ann Müller"),
        ("Ann Mu\u0308ller was present.", "Ann Mu\u0308ller"),  # decomposed ü
        ("Ann Mueller was present.", "Ann Mueller"),  # ü written ue
        ("Jäne Smíth", "Jäne Smíth"),
        ("Smi\u00adth", "Smi\u00adth"),  # a soft hyphen inside the word
        ("Smi-\r\nth said", "Smi- th"),
        ("Smi\x02\nth said", "Smi th"),  # PDFium's mark for a soft hyphen at a line end
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 30 else None,
)
def test_found(text, expected):
    hits = check(passage(text), IDENTITIES)
    assert expected in [hit.found for hit in hits], hits


@pytest.mark.parametrize(
    "text",
    [
        "The Annual Report was published.",  # Ann inside Annual
        "Smithfield and Blacksmiths are words.",
        "The annexe of the building.",
        "Born 11/03/1980 or 1/3/1981 or 01/03/19801.",
        "A table: 1 3 1980 are three numbers.",
        "Janeway is a surname of its own.",
        "CV34 4RLX is not the postcode, nor is XCV34 4RL.",
        "The High Street and the avenue.",
    ],
    ids=lambda value: value[:30],
)
def test_not_found(text):
    assert check(passage(text), IDENTITIES) == []


def test_a_name_part_inside_a_hit_on_the_full_name_is_not_repeated():
    hits = check(passage("Jane Eleanor Smith, known as Jane, and Mrs Smith."), IDENTITIES)
    assert [hit.found for hit in hits] == ["Jane Eleanor Smith", "Jane", "Smith"]


def test_terms_cover_names_and_their_parts_and_dates_in_common_formats():
    terms = {term.text for term in terms_for(IDENTITIES)}
    assert {"Jane Eleanor Smith", "Jane Smith", "Smith, Jane", "Jane", "Eleanor", "Smith"} <= terms
    assert {"1 March 1980", "March 1, 1980", "01/03/1980", "1.3.80", "1980-03-01"} <= terms
    assert {"CV34 4RL", "CV344RL", "B15 2TT", "B152TT", "14 Acacia Avenue", "Acacia Avenue"} <= terms


def test_common_words_are_not_searched_as_name_parts_unless_they_are_the_whole_name():
    terms = {term.text for term in terms_for([Identity("name", "May de la Cruz", VICTIM)])}
    assert "Cruz" in terms and "May" not in terms and "de" not in terms
    assert check(passage("The panel may be content."), [Identity("name", "May de la Cruz", VICTIM)]) == []
    assert found(check(passage("May de la Cruz"), [Identity("name", "May de la Cruz", VICTIM)])) == [
        ("May de la Cruz", VICTIM)
    ]
    assert [hit.found for hit in check(passage("Rose said"), [Identity("alias", "Rose", VICTIM)])] == ["Rose"]


def test_hyphenated_and_apostrophe_names():
    identities = [Identity("name", "Siobhan O'Brien-Walsh", VICTIM)]
    text = "O’Brien-Walsh; OBrien; Walsh; O'Brien-\nWalsh"
    assert [hit.found for hit in check(passage(text), identities)] == [
        "O’Brien-Walsh",
        "OBrien",
        "Walsh",
        "O'Brien-\nWalsh".replace("\n", " "),
    ]


def test_a_date_of_birth_given_as_text_is_still_searched():
    identities = [Identity("date_of_birth", "1st March 1980", VICTIM)]
    assert [hit.found for hit in check(passage("born 01.03.1980"), identities)] == ["01.03.1980"]


def test_unreadable_files_are_refused():
    with pytest.raises(UnreadableDocument):
        extract_text("docx", b"not a zip")
    with pytest.raises(UnreadableDocument):
        extract_text("pdf", b"%PDF-1.7 garbage")


def test_two_hundred_pages_are_checked_in_well_under_a_second():
    page = (
        "The panel considered the agency chronology and the family's account of events in detail, "
        "including what the GP, the police and the housing provider knew and when they knew it. "
    ) * 30
    passages = [Passage(f"Page {n}", page + (" Jane Smith" if n % 20 == 0 else "")) for n in range(1, 201)]
    # CPU time, not wall time: the suite shares its cores, and a busy machine must not fail this.
    started = time.process_time()
    hits = check(passages, IDENTITIES)
    elapsed = time.process_time() - started
    assert len(hits) == 10
    assert elapsed < 0.8, elapsed


# -- the hidden places of a Word file -----------------------------------------------------------

NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
)
FOOTNOTES = (
    f"<?xml version='1.0' encoding='UTF-8' standalone='yes'?><w:footnotes {NS}>"
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:id="1"><w:p><w:r><w:t>Interview with Ann Müller, 2022.</w:t></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)


def hidden_places_docx() -> bytes:
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_paragraph("Introduction")
    body = document.element.body
    paragraphs = [
        # A tracked deletion: gone from the page, still in the file.
        f'<w:p {NS}><w:r><w:t xml:space="preserve">The victim, </w:t></w:r>'
        '<w:del w:id="1" w:author="Report author"><w:r><w:delText>Jane Smith</w:delText></w:r></w:del></w:p>',
        # A text box, written twice by Word (DrawingML and the VML fallback): one hit, not two.
        f'<w:p {NS}><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>'
        "<w:p><w:r><w:t>Known as Janey</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice>"
        "<mc:Fallback><w:pict><v:textbox><w:txbxContent><w:p><w:r><w:t>Known as Janey</w:t></w:r></w:p>"
        "</w:txbxContent></v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>",
        # A field code (a mail merge left in) and an image's alt text.
        f'<w:p {NS}><w:r><w:instrText xml:space="preserve"> MERGEFIELD Smith_Jane </w:instrText></w:r>'
        '<w:r><w:drawing><wp:inline><wp:docPr id="1" name="Picture 1" descr="Photo of B15 2TT street"/>'
        "</wp:inline></w:drawing></w:r></w:p>",
    ]
    # A content control inside a table cell: the cell's paragraphs are inside it, not the cell.
    paragraphs.append(
        f"<w:tbl {NS}><w:tr><w:tc><w:sdt><w:sdtContent><w:p><w:r><w:t>Mrs Muller</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt></w:tc></w:tr></w:tbl>"
    )
    # A paragraph in a structure the walk does not know (here a custom XML block): still read.
    paragraphs.append(f'<w:customXml {NS} w:element="x"><w:p><w:r><w:t>Robert Smith</w:t></w:r></w:p></w:customXml>')
    for xml in paragraphs:
        body.insert(len(body) - 1, parse_xml(xml))  # before the section properties
    link = document.part.relate_to("mailto:jane.smith@example.org", RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    assert link
    out = io.BytesIO()
    document.save(out)
    # A footnotes part, with its content type and relationship, as Word writes one.
    source, result = zipfile.ZipFile(io.BytesIO(out.getvalue())), io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-'
                    b'officedocument.wordprocessingml.footnotes+xml"/></Types>',
                )
            if item.filename == "word/_rels/document.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdFootnotes" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/footnotes" Target="footnotes.xml"/></Relationships>',
                )
            target.writestr(item, data)
        target.writestr("word/footnotes.xml", FOOTNOTES)
    return result.getvalue()


def test_hidden_places_of_a_word_file_are_searched():
    data = hidden_places_docx()
    assert docx.Document(io.BytesIO(data)).paragraphs[0].text == "Introduction"  # still a valid file
    hits = hits_in("docx", data)
    assert sorted((hit.location, hit.found) for hit in hits) == sorted(
        [
            ("Paragraph 2 (deleted text in a tracked change)", "Jane Smith"),
            ("Paragraph 2 (text box)", "Janey"),
            ("Paragraph 2 (field code)", "Smith_Jane"),
            ("Image descriptions (alt text)", "B15 2TT"),
            ("Hyperlink addresses", "jane.smith"),
            ("Footnote 1", "Ann Müller"),
            ("Table 1, row 1, cell 1", "Muller"),
            ("Other text in the document", "Smith"),
        ]
    ), hits


def test_a_hit_has_a_stable_key_for_a_recorded_reason():
    text = "Jane Smith met Jane Smith's GP."
    first, second = check(passage(text), IDENTITIES)
    assert first.key != second.key  # two places, two reasons
    assert [hit.key for hit in check(passage(text), IDENTITIES)] == [first.key, second.key]
    assert check([Passage("Paragraph 2", text)], IDENTITIES)[0].key != first.key


def test_an_accent_after_the_last_letter_belongs_to_the_hit():
    identities = [Identity("name", "José Smith", VICTIM)]
    (hit,) = check(passage("Jose\u0301 said"), identities)
    assert hit.found == "Jose\u0301" and hit.after == " said"


# -- the hidden places of a PDF -------------------------------------------------------------------


def test_comments_bookmarks_and_properties_of_a_pdf_are_searched():
    # pypdf (a test tool here) adds what a reviewer's PDF software would: a sticky note, a bookmark,
    # the author in the document properties.
    import pypdf
    from pypdf.annotations import Text
    from pypdf.generic import NameObject, TextStringObject

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf_bytes(["Introduction"], width="10cm")))
    note = Text(rect=(50, 550, 200, 650), text="Check with Ann Müller")
    note[NameObject("/T")] = TextStringObject("Janey's sister")
    writer.add_annotation(page_number=0, annotation=note)
    writer.add_outline_item(title="About Jane Smith", page_number=0)
    writer.add_metadata({"/Author": "Smith family liaison", "/Title": "Overview Report"})
    out = io.BytesIO()
    writer.write(out)
    hits = hits_in("pdf", out.getvalue())
    assert sorted((hit.location, hit.found) for hit in hits) == [
        ("Bookmarks", "Jane Smith"),
        ("Document properties (Author)", "Smith"),
        ("Page 1 (comments)", "Ann Müller"),
        ("Page 1 (comments)", "Janey"),
    ]


def test_a_pdf_that_needs_a_password_is_refused_and_one_without_is_read():
    import pypdf

    def encrypted(user_password: str) -> bytes:
        writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf_bytes(["Jane Smith"], width="10cm")))
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    with pytest.raises(UnreadableDocument):
        extract_text("pdf", encrypted("secret"))
    # Encrypted with an empty user password (printing restrictions only): opened, and read.
    assert found(hits_in("pdf", encrypted(""))) == [("Jane Smith", VICTIM)]
