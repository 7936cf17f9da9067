"""Compare the text of two DOCX versions of a document, paragraph by paragraph.

The text of each version is its body in reading order: paragraphs, and the paragraphs of
every table cell (row by row, nested tables too) and of content controls. Tracked changes
are read as if accepted: inserted text counts, deleted text does not, so "draft 3 with
track changes" compares like the clean draft 3 it will become. Headers, footers, footnotes
and comments are not compared. Empty paragraphs are left out.

``difflib.SequenceMatcher`` aligns the two lists of paragraphs. Where a run of paragraphs
was replaced, each old paragraph is paired with a similar new one (``changed``, with word
level segments for ``<ins>``/``<del>``); the rest are ``removed`` or ``added``.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Literal

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree

Kind = Literal["same", "added", "removed", "changed"]
# How alike two paragraphs must be (difflib ratio) to be shown as one paragraph changed
# rather than one removed and another added.
SIMILAR = 0.5
# Pairing compares every old paragraph of a replaced run with every new one: beyond this
# many comparisons the run is shown as removed then added.
MAX_PAIRINGS = 40_000


class NotDocxError(ValueError):
    """The file is not a Word (.docx) document."""


@dataclass(frozen=True)
class Change:
    kind: Kind
    old: str | None
    new: str | None
    # For "changed": (op, text) with op "same", "removed" or "added", in reading order.
    segments: list[tuple[str, str]] = field(default_factory=list)


W_P, W_TBL, W_TR, W_TC, W_SDT, W_SDT_CONTENT = (
    qn(t) for t in ("w:p", "w:tbl", "w:tr", "w:tc", "w:sdt", "w:sdtContent")
)
W_T, W_TAB, W_BR, W_CR = (qn(t) for t in ("w:t", "w:tab", "w:br", "w:cr"))
W_NO_BREAK_HYPHEN, W_SOFT_HYPHEN = qn("w:noBreakHyphen"), qn("w:softHyphen")
# Deleted and moved-away text, properties, field codes; and the fallback copy Word writes of
# every text box (mc:AlternateContent holds the box twice: mc:Choice, then mc:Fallback).
SKIPPED = {qn(t) for t in ("w:del", "w:moveFrom", "w:pPr", "w:rPr", "w:instrText", "w:delText")} | {
    "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
}


def paragraphs(data: bytes) -> list[str]:
    """The body's paragraphs (table cells included) in reading order, empty ones left out."""
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise NotDocxError("This file is not a Word document (.docx), so it cannot be compared") from exc
    out: list[str] = []
    _blocks(document.element.body, out)
    return out


def _blocks(container, out: list[str]) -> None:
    for child in container.iterchildren():
        if child.tag == W_P:
            text = " ".join(_text(child).split())
            if text:
                out.append(text)
        elif child.tag == W_TBL:
            for row in child.iterchildren(W_TR):
                for cell in row.iterchildren(W_TC):
                    _blocks(cell, out)
        elif child.tag == W_SDT:
            for content in child.iterchildren(W_SDT_CONTENT):
                _blocks(content, out)
        elif child.tag in (W_SDT_CONTENT, qn("w:customXml"), qn("w:ins"), qn("w:moveTo")):
            _blocks(child, out)


def _text(element) -> str:
    parts: list[str] = []

    def walk(node) -> None:
        for child in node.iterchildren():
            tag = child.tag
            if tag in SKIPPED:
                continue
            if tag == W_T:
                parts.append(child.text or "")
            elif tag == W_TAB:
                parts.append("\t")
            elif tag in (W_BR, W_CR):
                parts.append("\n")
            elif tag == W_NO_BREAK_HYPHEN:
                parts.append("-")
            elif tag == W_SOFT_HYPHEN:
                continue
            else:
                walk(child)

    walk(element)
    return "".join(parts)


def compare_docx(old: bytes, new: bytes) -> list[Change]:
    """The changes from ``old`` to ``new``, in the order of the new document."""
    return compare_paragraphs(paragraphs(old), paragraphs(new))


def compare_paragraphs(old: list[str], new: list[str]) -> list[Change]:
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            changes.extend(Change("same", text, text) for text in old[i1:i2])
        elif op == "delete":
            changes.extend(Change("removed", text, None) for text in old[i1:i2])
        elif op == "insert":
            changes.extend(Change("added", None, text) for text in new[j1:j2])
        else:
            changes.extend(_replaced(old[i1:i2], new[j1:j2]))
    return changes


def _replaced(old: list[str], new: list[str]) -> list[Change]:
    """Pair each old paragraph with the first similar new one after the last pairing."""
    if len(old) * len(new) > MAX_PAIRINGS:
        return [Change("removed", t, None) for t in old] + [Change("added", None, t) for t in new]
    changes: list[Change] = []
    next_new = 0
    for text in old:
        match = None
        for index in range(next_new, len(new)):
            matcher = difflib.SequenceMatcher(None, text, new[index], autojunk=False)
            if (
                matcher.real_quick_ratio() >= SIMILAR
                and matcher.quick_ratio() >= SIMILAR
                and matcher.ratio() >= SIMILAR
            ):
                match = index
                break
        if match is None:
            changes.append(Change("removed", text, None))
            continue
        changes.extend(Change("added", None, t) for t in new[next_new:match])
        changes.append(Change("changed", text, new[match], word_segments(text, new[match])))
        next_new = match + 1
    changes.extend(Change("added", None, t) for t in new[next_new:])
    return changes


_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def word_segments(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level differences: ("same" | "removed" | "added", text), adjacent ones merged."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    segments: list[tuple[str, str]] = []

    def add(op: str, tokens: list[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if segments and segments[-1][0] == op:
            segments[-1] = (op, segments[-1][1] + text)
        else:
            segments.append((op, text))

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            add("same", a[i1:i2])
        else:
            add("removed", a[i1:i2])
            add("added", b[j1:j2])
    return segments
