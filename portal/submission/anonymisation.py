"""The anonymisation check: a report's text searched for every restricted identity of its case.

Before a version is marked ready for publication, its text (``extract_text``: Word and PDF) is
searched for the case's real names and their parts, aliases, dates of birth in the ways people
write them, addresses and postcodes (``terms_for``). Every hit comes back with its place and
about 60 characters either side (``check``), for a person to remove it or record why it stays.

How it matches, and why so. Text and terms are folded the same way (Unicode NFKD, accents
dropped, case folded), then cut into words: runs of letters and digits. A term is a sequence of
words, so matching is whole-word by construction ("Ann" never hits inside "Annual"), ignores
the spaces, line breaks and commas between the words, and an apostrophe ends a word, so
"Smith's" is "smith" + "s". A final "s" is also allowed ("Smiths'", "the Smiths"): missing a
name costs far more than a hit the reviewer explains away. A word hyphenated across a line
("Smi-" / "th", as PDF text comes out) is read both as two words and as one, so both "Smith"
and a hyphenated "Smith-Jones" broken at its hyphen are found. Words are looked up in a dict
keyed by a term's first word, so the cost is one look-up per word of the report, not one scan
per term: a 200-page report takes a small fraction of a second.

Numbers are compared as numbers ("01" is "1", "1st" is "1"), so one term covers "01/03/1980"
and "1/3/1980"; the parts of a numeric date must be joined by "/", "." or "-", so three loose
numbers in a table do not make a date of birth.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from portal.web.text import printable

IdentityKind = Literal["name", "alias", "date_of_birth", "address", "postcode"]
CONTEXT = 60  # characters of context either side of a hit
MARK_OPEN, MARK_CLOSE = "«", "»"


class UnreadableDocument(ValueError):
    """The file is not a Word document or PDF whose text can be read (damaged, encrypted...)."""


@dataclass(frozen=True, slots=True)
class Identity:
    """One restricted identity of a case: ``label`` is who it belongs to, as the case calls them
    ("Victim (Adult A)"); it is what a hit shows instead of the identity's role in the record."""

    kind: IdentityKind
    value: str | date
    label: str


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of a document's text and where it is ("Paragraph 12", "Page 3", "Footnote 2")."""

    location: str
    text: str


@dataclass(frozen=True, slots=True)
class Term:
    """What is searched for: ``text`` as a person would write it, ``words`` the folded words in
    order, each a set of spellings ("street" / "st", "march" / "mar")."""

    text: str
    identity_label: str
    kind: IdentityKind
    words: tuple[frozenset[str], ...]
    numeric: bool = False  # a date in figures: its parts must be joined by / . or -


@dataclass(frozen=True, slots=True)
class Hit:
    term: str
    identity_label: str
    location: str
    context: str  # before + «found» + after, on one line
    found: str = ""  # the text as the document has it ("Smith's", "01/03/1980")
    before: str = ""
    after: str = ""
    kind: str = ""
    start: int = field(default=0, compare=False)  # offsets of ``found`` in the passage's text
    end: int = field(default=0, compare=False)

    @property
    def key(self) -> str:
        """A stable name for this hit, to record a reason against: the same hit in the same
        place of the same text has the same key on every run."""
        parts = (self.identity_label, self.term, self.location, self.before, self.found, self.after)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


# -- folding and words -------------------------------------------------------------------------

# Letters NFKD does not take apart; the rest of Latin, Greek and Cyrillic fold by decomposition.
# The modifier-letter apostrophe counts as a letter in Unicode: folded to ', so "Smithʼs" splits.
_EXTRA_FOLDS = {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h", "ʼ": "'"}
# Invisible characters Word and PDFs put inside words: soft hyphen, zero-width space and joiners,
# word joiner, byte order mark. Dropped, so "Smi\u00adth" is one word.
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
_fold_cache: dict[str, str] = {}


def _fold_char(char: str) -> str:
    folded = _fold_cache.get(char)
    if folded is None:
        if char in _INVISIBLE:
            folded = ""
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
            folded = "".join(_EXTRA_FOLDS.get(c, c) for c in folded)
        _fold_cache[char] = folded
    return folded


def fold(text: str) -> tuple[str, list[int] | None]:
    """``text`` folded (accents dropped, case folded, invisible characters gone) and, when the
    lengths differ, the index in ``text`` of each folded character (``None``: the same)."""
    if text.isascii():
        return text.lower(), None
    folds = {char: _fold_char(char) for char in set(text)}
    if all(len(folded) == 1 for folded in folds.values()):
        # The common case (curly quotes, dashes, accented letters): one character for one.
        return text.translate({ord(char): folded for char, folded in folds.items()}), None
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = folds[char]
        pieces.append(folded)
        origin.extend([index] * len(folded))
    return "".join(pieces), origin


_WORD = re.compile(r"[^\W_]+")
_DIGITS = frozenset("0123456789")
_ORDINAL = re.compile(r"(\d{1,2})(?:st|nd|rd|th)")


def _canon(word: str) -> str:
    """A folded word as it is compared: small numbers without leading zeros or ordinal ending."""
    if word.isascii():
        if word.isdigit():
            return str(int(word)) if len(word) <= 2 else word
        ordinal = _ORDINAL.fullmatch(word)
        if ordinal:
            return str(int(ordinal[1]))
    return word


def words_of(text: str) -> list[str]:
    """The folded, compared words of ``text`` (a term's or a name's)."""
    folded, _ = fold(text)
    return [_canon(match[0]) for match in _WORD.finditer(folded)]


# -- terms -------------------------------------------------------------------------------------

# Name parts not searched alone: titles, particles, and words so common in report prose that a
# name part spelt the same would hit on every page. The full name is still searched, and so is
# the word when it is the whole name.
COMMON_WORDS = frozenset(
    """
    mr mrs ms miss mx dr prof sir dame lady lord rev jr jnr snr sr
    the and of von van der den de la le du del della di da dos das bin ibn ben al el st
    may will can mark bill sue ray don art guy pat hope joy grace faith rose dawn june april august
    baby child adult person unknown big little
    """.split()  # noqa: SIM905 - a word list reads best as text
)

_MONTHS = "january february march april may june july august september october november december".split()  # noqa: SIM905


def _month_spellings(month: int) -> frozenset[str]:
    name = _MONTHS[month - 1]
    spellings = {name, name[:3]}
    if month == 9:
        spellings.add("sept")
    return frozenset(spellings)


_STREET_WORDS = [
    {"street", "st"},
    {"road", "rd"},
    {"avenue", "ave", "av"},
    {"lane", "ln"},
    {"drive", "dr"},
    {"close", "cl"},
    {"crescent", "cres"},
    {"court", "ct"},
    {"place", "pl"},
    {"gardens", "gdns"},
    {"terrace", "terr", "tce"},
    {"square", "sq"},
    {"grove", "gr"},
    {"park", "pk"},
]
_STREET_ENDINGS = frozenset(
    {spelling for group in _STREET_WORDS for spelling in group}
    | {"way", "row", "walk", "hill", "mews", "view", "rise", "green", "meadow", "meadows", "end", "parade"}
)
_STREET_SPELLINGS = {spelling: frozenset(group) for group in _STREET_WORDS for spelling in group}
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y", "%B %d, %Y")


def _term(text: str, identity: Identity, words: Sequence[str | frozenset[str]], *, numeric=False) -> Term | None:
    sets = tuple(word if isinstance(word, frozenset) else frozenset({word}) for word in words)
    if not sets:
        return None
    return Term(text=text, identity_label=identity.label, kind=identity.kind, words=sets, numeric=numeric)


# German umlauts are also written as two letters: "Müller" as "Mueller" (and as "Muller", which
# folding gives).
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def _name_terms(identity: Identity) -> list[Term | None]:
    value = str(identity.value).strip()
    spelt = value.translate(_UMLAUTS)
    terms = _spelling_terms(identity, value)
    if spelt != value:
        terms += _spelling_terms(identity, spelt)
    return terms


def _spelling_terms(identity: Identity, value: str) -> list[Term | None]:
    terms = [_term(value, identity, words_of(value))]
    spaced = value.split()
    if len(spaced) >= 2:
        first, last = spaced[0], spaced[-1]
        if len(spaced) >= 3:
            terms.append(_term(f"{first} {last}", identity, words_of(first) + words_of(last)))
        terms.append(_term(f"{last}, {first}", identity, words_of(last) + words_of(first)))
    # Parts: each word between spaces and hyphens ("Smith-Jones" gives "Smith" and "Jones").
    parts = [part for part in re.split(r"[\s\-\u2010\u2011\u2013]+", value) if part]
    for part in parts:
        part_words = words_of(part)
        letters = sum(char.isalpha() for char in part)
        if letters < 3 or (len(parts) > 1 and "".join(part_words) in COMMON_WORDS):
            continue
        terms.append(_term(part, identity, part_words))
        if len(part_words) > 1:  # "O'Brien" also written "OBrien"
            terms.append(_term(part, identity, ["".join(part_words)]))
    for word in spaced:
        joined = words_of(word)
        if len(joined) > 1:  # "O'Brien-Walsh" whole, and joined where a line break took its hyphen
            terms.append(_term(word, identity, joined))
            terms.append(_term(word, identity, ["".join(joined)]))
    return terms


def _as_date(value: str | date) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", str(value).strip(), flags=re.IGNORECASE)
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _date_terms(identity: Identity) -> list[Term | None]:
    born = _as_date(identity.value)
    if born is None:  # kept as text: still searched, word for word
        return [_term(str(identity.value), identity, words_of(str(identity.value)))]
    d, m, y = str(born.day), str(born.month), str(born.year)
    yy = _canon(f"{born.year % 100:02d}")
    month = _month_spellings(born.month)
    name = _MONTHS[born.month - 1].capitalize()
    suffix = "th" if 11 <= born.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(born.day % 10, "th")
    return [
        _term(f"{d} {name} {y}", identity, [d, month, y]),  # also "1st March 1980", "1 Mar 1980"
        _term(f"{d}{suffix} of {name} {y}", identity, [d, frozenset({"of"}), month, y]),
        _term(f"{d} {name} {born:%y}", identity, [d, month, yy]),
        _term(f"{name} {d}, {y}", identity, [month, d, y]),  # also "March 1st 1980"
        _term(f"{born:%d/%m/%Y}", identity, [d, m, y], numeric=True),  # also 1/3/1980, 01.03.1980
        _term(f"{born.day}.{born.month}.{born:%y}", identity, [d, m, yy], numeric=True),
        _term(born.isoformat(), identity, [y, m, d], numeric=True),
    ]


def _postcode_terms(identity: Identity, text: str) -> list[Term | None]:
    match = _POSTCODE.search(text)
    if not match:
        return [_term(text.strip(), identity, words_of(text)), _term(text.strip(), identity, ["".join(words_of(text))])]
    outward, inward = match[1].upper(), match[2].upper()
    return [
        _term(f"{outward} {inward}", identity, words_of(outward) + words_of(inward)),
        _term(f"{outward}{inward}", identity, [(outward + inward).lower()]),
    ]


def _street(words: list[str]) -> list[frozenset[str]]:
    return [_STREET_SPELLINGS.get(word, frozenset({word})) for word in words]


def _address_terms(identity: Identity) -> list[Term | None]:
    value = str(identity.value)
    terms: list[Term | None] = []
    if _POSTCODE.search(value):
        terms += _postcode_terms(identity, value)
    lines = [line.strip() for line in re.split(r"[\n,;]+", _POSTCODE.sub("", value)) if line.strip()]
    if not lines:
        return terms
    # The street line: the first line, with the next when the first is only a flat or a house
    # name ("Flat 3" / "12 High Street").
    street_lines = lines[:1]
    if len(lines) > 1 and not re.search(r"\d+\w*\s+\w+", lines[0]) and re.match(r"\d", lines[1]):
        street_lines = lines[:2]
    street_line = ", ".join(street_lines)
    terms.append(_term(street_line, identity, _street(words_of(street_line))))
    second = words_of(lines[1]) if len(street_lines) == 1 and len(lines) > 1 else []
    if second and second[-1] in _STREET_ENDINGS and not re.search(r"\d", lines[0]):
        # A house name first ("Rose Cottage" / "Church Lane"): the street on its own line too
        # (only a street: a town on the second line would hit all over the report).
        terms.append(_term(lines[1], identity, _street(second)))
    numbered = re.search(r"\d+[A-Za-z]?\s+\D.*$", street_line)
    if numbered:  # house number + street, and the street alone ("lived in Acacia Avenue")
        house = numbered[0].strip()
        terms.append(_term(house, identity, _street(words_of(house))))
        street = re.sub(r"^\d+[A-Za-z]?\s+", "", house)
        street_words = words_of(street)
        if len(street_words) >= 2 or (street_words and street_words[0] not in COMMON_WORDS):
            terms.append(_term(street, identity, _street(street_words)))
    return terms


def terms_for(identities: Iterable[Identity]) -> list[Term]:
    """Every term searched for ``identities``, without repeats (same words, same identity)."""
    terms: list[Term] = []
    seen: set[tuple] = set()
    for identity in identities:
        if identity.kind in ("name", "alias"):
            made = _name_terms(identity)
        elif identity.kind == "date_of_birth":
            made = _date_terms(identity)
        elif identity.kind == "address":
            made = _address_terms(identity)
        elif identity.kind == "postcode":
            made = _postcode_terms(identity, str(identity.value))
        else:
            raise ValueError(f"unknown identity kind {identity.kind!r}")
        for term in made:
            if term is None:
                continue
            key = (term.words, term.numeric, term.identity_label)
            if key not in seen:
                seen.add(key)
                terms.append(term)
    return terms


# -- the check ---------------------------------------------------------------------------------

# Between the words of a term: spaces and line breaks, underscores ("jane_smith@"), commas, full
# stops, dashes, apostrophes, brackets; no more than a few of them, so words from different
# sentences do not join up.
_WORD_GAP = re.compile(r"[\s_,.;:\-\u2010\u2011\u2013\u2014'\u2019\"()]{1,12}")
_NUMBER_GAP = re.compile(r" ?[/.\-\u2010\u2011\u2013] ?")
# A word broken across a line by a hyphen (PDF text: "Smi-\nth" or "Smi‐\nth"; PDFium gives a
# soft hyphen it found at a line end as U+0002 or U+FFFE).
_LINE_HYPHEN = re.compile(r"[ \t]*[-\u2010\u2011\x02\ufffe][ \t]*\r?\n\s*")


def _index(terms: Iterable[Term]) -> dict[str, list[Term]]:
    index: dict[str, list[Term]] = {}
    for term in terms:
        for spelling in term.words[0]:
            index.setdefault(spelling, []).append(term)
    return index


def _streams(folded: str) -> list[list[tuple[str, int, int]]]:
    words = []
    for match in _WORD.finditer(folded):
        word = match[0]
        if word[0] in _DIGITS:  # only numbers are made canonical; most words are not
            word = _canon(word)
        words.append((word, *match.span()))
    streams = [words]
    if not _LINE_HYPHEN.search(folded):
        return streams
    joined: list[tuple[str, int, int]] = []
    any_joined = False
    for word in words:
        if joined and _LINE_HYPHEN.fullmatch(folded, joined[-1][2], word[1]):
            previous = joined.pop()
            joined.append((previous[0] + word[0], previous[1], word[2]))
            any_joined = True
        else:
            joined.append(word)
    if any_joined:
        streams.append(joined)
    return streams


def _matches(folded: str, stream, index: dict[str, list[Term]]):
    count = len(stream)
    for position, (word, start, end) in enumerate(stream):
        for term in index.get(word, ()):
            size = len(term.words)
            if size == 1:
                yield term, start, end
                continue
            if position + size > count:
                continue
            words = stream[position : position + size]
            if not all(words[offset][0] in term.words[offset] for offset in range(1, size - 1)):
                continue
            if not _same(term.words[-1], words[-1][0], term.numeric):
                continue
            gap = _NUMBER_GAP if term.numeric else _WORD_GAP
            if all(gap.fullmatch(folded, words[offset - 1][2], words[offset][1]) for offset in range(1, size)):
                yield term, start, words[-1][2]
        if len(word) > 2 and word.endswith("s"):  # "Smiths'", "the Smiths"
            for term in index.get(word[:-1], ()):
                if len(term.words) == 1 and not term.numeric:
                    yield term, start, end


def _same(spellings: frozenset[str], word: str, numeric: bool) -> bool:
    # The last word may carry a final "s": "Smiths'", "the Smiths" (never a number).
    return word in spellings or (not numeric and word.endswith("s") and word[:-1] in spellings)


def _one_line(text: str) -> str:
    # Shown on a page: control characters (PDFium's U+0002) dropped, whitespace runs one space.
    return " ".join(printable(text).replace("\ufffe", "").split())


def _hit(passage: Passage, term: Term, start: int, end: int) -> Hit:
    text = passage.text
    before_start = max(0, start - CONTEXT)
    before = ("…" if before_start else "") + _one_line(text[before_start:start]).lstrip()
    if text[before_start:start][-1:].isspace():
        before += " "
    after_text = text[end : end + CONTEXT]
    after = (" " if after_text[:1].isspace() else "") + _one_line(after_text)
    if end + CONTEXT < len(text):
        after += "…"
    found = _one_line(text[start:end])
    return Hit(
        term=term.text,
        identity_label=term.identity_label,
        location=passage.location,
        context=f"{before}{MARK_OPEN}{found}{MARK_CLOSE}{after}",
        found=found,
        before=before,
        after=after,
        kind=term.kind,
        start=start,
        end=end,
    )


def check_terms(passages: Iterable[Passage], terms: Iterable[Term]) -> list[Hit]:
    """Every place in ``passages`` where one of ``terms`` occurs, in document order.

    A hit inside a longer hit of the same identity ("Smith" in "Jane Smith") is not repeated."""
    index = _index(terms)
    hits: list[Hit] = []
    if not index:
        return hits
    for passage in passages:
        if not passage.text:
            continue
        folded, origin = fold(passage.text)
        found: dict[tuple[int, int, str], Term] = {}
        for stream in _streams(folded):
            for term, start, end in _matches(folded, stream, index):
                if origin is not None:
                    start, end = origin[start], origin[end - 1] + 1
                    while end < len(passage.text) and _fold_char(passage.text[end]) == "":
                        end += 1  # the accent or soft hyphen after the last letter is the word's
                found.setdefault((start, end, term.identity_label), term)
        kept: list[tuple[int, int, str]] = []
        for start, end, label in sorted(found, key=lambda key: (key[0], key[0] - key[1], key[2])):
            if any(label == other and start >= s and end <= e for s, e, other in kept):
                continue
            kept.append((start, end, label))
            hits.append(_hit(passage, found[(start, end, label)], start, end))
    return hits


def check(passages: Iterable[Passage], identities: Iterable[Identity]) -> list[Hit]:
    """Every hit of ``identities`` (through ``terms_for``) in ``passages``, in document order."""
    return check_terms(passages, terms_for(identities))


# -- text extraction ---------------------------------------------------------------------------


def extract_text(kind: Literal["docx", "pdf"], data: bytes) -> list[Passage]:
    """The text of a Word document or PDF, passage by passage, with where each passage is.

    Word: body paragraphs and table cells in order, text boxes, tracked deletions and field codes
    (still in the file, so still published), headers and footers, footnotes, endnotes, comments,
    image descriptions, hyperlink addresses, authors, document properties. PDF: page by page
    (PDFium), comments on pages, bookmarks, document properties.

    Raises ``UnreadableDocument`` for a file that is not what ``kind`` says, or cannot be read."""
    if kind == "docx":
        return _docx_passages(data)
    if kind == "pdf":
        return _pdf_passages(data)
    raise ValueError(f"unknown document kind {kind!r}")


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _T, _TBL, _TR, _TC, _SDT, _SDT_CONTENT = (_W + tag for tag in ("p", "t", "tbl", "tr", "tc", "sdt", "sdtContent"))
_DEL_TEXT, _INSTR, _TXBX = _W + "delText", _W + "instrText", _W + "txbxContent"
_TEXT_NODES = (_T, _DEL_TEXT, _INSTR)
_BREAKS = {_W + "br": "\n", _W + "cr": "\n", _W + "tab": "\t", _W + "ptab": "\t", _W + "noBreakHyphen": "-"}
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_NAMESPACES = {
    "w": _W[1:-1],
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_NOT_TEXT = re.compile(r"[\d\s.:TZ+\-]*|true|false", re.IGNORECASE)
_MAX_PART = 200 * 1024 * 1024  # bytes of one unzipped part: more is a zip bomb, not a report


@dataclass
class _Paragraph:
    text: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    boxes: list = field(default_factory=list)
    seen: list[str] = field(default_factory=list)  # every text node read, for ``_unread``


def _walk(element, into: _Paragraph) -> None:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):  # XML comments and processing instructions
            continue
        if tag in _TEXT_NODES:
            into.seen.append(child.text or "")
        if tag == _T:
            into.text.append(child.text or "")
        elif tag in _BREAKS:
            into.text.append(_BREAKS[tag])
        elif tag == _DEL_TEXT:
            into.deleted.append(child.text or "")
        elif tag == _INSTR:
            into.fields.append(child.text or "")
        elif tag == _TXBX:
            into.boxes.append(child)
        elif tag == _MC_FALLBACK:
            continue  # the same text box again, for old versions of Word
        else:
            if tag == _W + "fldSimple":
                into.fields.append(child.get(_W + "instr") or "")
            _walk(child, into)


def _cell_paragraphs(container):
    """A table cell's paragraphs, those inside content controls too; not those of a table inside
    the cell (``table`` reads its rows as rows)."""
    for child in container:
        if child.tag == _P:
            yield child
        elif child.tag in (_SDT, _SDT_CONTENT, _W + "customXml"):
            yield from _cell_paragraphs(child)


class _Collector:
    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.passages: list[Passage] = []
        self.paragraphs = 0
        self.tables = 0
        self.seen: Counter[str] = Counter()

    def where(self, place: str) -> str:
        return f"{self.prefix}, {place}" if self.prefix else place[:1].upper() + place[1:]

    def add(self, location: str, text: str) -> None:
        if text.strip():
            self.passages.append(Passage(location, text))

    def paragraph(self, element, location: str | None = None) -> None:
        parts = _Paragraph()
        _walk(element, parts)
        text = "".join(parts.text)
        if location is None:
            if text.strip():
                self.paragraphs += 1
            location = self.where(f"paragraph {max(self.paragraphs, 1)}")
        self.extras(location, parts, text)

    def extras(self, location: str, parts: _Paragraph, text: str) -> None:
        self.seen.update(parts.seen)
        self.add(location, text)
        self.add(f"{location} (deleted text in a tracked change)", "".join(parts.deleted))
        self.add(f"{location} (field code)", " ".join(parts.fields))
        for box in parts.boxes:
            self.add(f"{location} (text box)", "\n".join(self.plain(p) for p in box.iter(_P)))

    def blocks(self, container) -> None:
        for child in container:
            if child.tag == _P:
                self.paragraph(child)
            elif child.tag == _TBL:
                self.table(child)
            elif child.tag == _SDT:  # a content control: its content is ordinary blocks
                for content in child.iter(_SDT_CONTENT):
                    self.blocks(content)
                    break

    def table(self, table) -> None:
        self.tables += 1
        for row_number, row in enumerate(table.iter(_TR), 1):
            for cell_number, cell in enumerate(row.findall(_TC), 1):
                location = self.where(f"table {self.tables}, row {row_number}, cell {cell_number}")
                parts = _Paragraph()
                lines = []
                for paragraph in _cell_paragraphs(cell):
                    before = len(parts.text)
                    _walk(paragraph, parts)
                    lines.append("".join(parts.text[before:]))
                self.extras(location, parts, "\n".join(lines))

    def plain(self, paragraph) -> str:
        parts = _Paragraph()
        _walk(paragraph, parts)
        self.seen.update(parts.seen)
        return "".join(parts.text)

    def unread(self, root, location: str) -> None:
        """Text in ``root`` that the walk above did not reach (a content control inside a table
        cell, a paragraph inside a moved block, a structure Word adds later...), in one passage:
        a hit there is still a hit, even if its place is vague."""
        everything = Counter(node.text or "" for node in root.iter(*_TEXT_NODES))
        for fallback in root.iter(_MC_FALLBACK):  # read once, in the mc:Choice beside it
            everything.subtract(node.text or "" for node in fallback.iter(*_TEXT_NODES))
        everything.subtract(self.seen)
        self.add(location, " ".join(text for text, count in everything.items() if count > 0 for _ in range(count)))


def _docx_passages(data: bytes) -> list[Passage]:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        names = package.namelist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise UnreadableDocument("not a Word document") from error
    if "word/document.xml" not in names:
        raise UnreadableDocument("not a Word document (no word/document.xml)")

    def parse(name: str):
        info = package.getinfo(name)
        if info.file_size > _MAX_PART:
            raise UnreadableDocument(f"{name} is too large to read")
        try:
            return etree.fromstring(package.read(name), parser)
        except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError) as error:
            raise UnreadableDocument(f"{name} cannot be read") from error

    passages: list[Passage] = []
    roots = {}
    body = _Collector()
    document = roots["word/document.xml"] = parse("word/document.xml")
    for container in document.iter(_W + "body"):
        body.blocks(container)
    body.unread(document, "Other text in the document")
    passages += body.passages

    def numbered(pattern: str):
        found = [name for name in names if re.fullmatch(pattern, name)]
        return sorted(found, key=lambda name: int(re.sub(r"\D", "", name) or 0))

    for kind, pattern in (("Header", r"word/header\d*\.xml"), ("Footer", r"word/footer\d*\.xml")):
        for name in numbered(pattern):
            part = _Collector(kind)
            part.blocks(roots.setdefault(name, parse(name)))
            part.unread(roots[name], f"{kind}, other text")
            passages += part.passages
    for kind, name, tag in (
        ("Footnote", "word/footnotes.xml", "footnote"),
        ("Endnote", "word/endnotes.xml", "endnote"),
        ("Comment", "word/comments.xml", "comment"),
    ):
        if name not in names:
            continue
        root = roots[name] = parse(name)
        number = 0
        notes = _Collector()
        for note in root.iter(_W + tag):
            if note.get(_W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            number += 1
            # A note's paragraphs make one passage; its deletions and field codes their own.
            location = f"{kind} {number}"
            part = _Collector()
            for paragraph in note.iter(_P):
                part.paragraph(paragraph, location)
            passages.append(Passage(location, "\n".join(p.text for p in part.passages if p.location == location)))
            passages += [p for p in part.passages if p.location != location]
            notes.seen.update(part.seen)
        notes.unread(root, f"{kind}s, other text")
        passages += notes.passages

    authors: list[str] = []
    descriptions: list[str] = []
    for root in roots.values():
        authors += root.xpath("//@w:author | //@w:initials", namespaces=_NAMESPACES)
        descriptions += root.xpath("//wp:docPr/@descr | //wp:docPr/@title", namespaces=_NAMESPACES)
    if authors:
        named = [author for author in dict.fromkeys(authors) if author.strip()]
        passages.append(Passage("Authors of comments and tracked changes", "; ".join(named)))
    if descriptions:
        passages.append(Passage("Image descriptions (alt text)", "\n".join(d for d in descriptions if d.strip())))
    links = []
    for name in names:
        if re.fullmatch(r"word/_rels/[^/]+\.rels", name):
            root = parse(name)
            links += root.xpath("//rel:Relationship[@TargetMode='External']/@Target", namespaces=_NAMESPACES)
    if links:
        passages.append(Passage("Hyperlink addresses", "\n".join(dict.fromkeys(links))))
    for name in ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"):
        if name not in names:
            continue
        for element in parse(name).iter():
            if not isinstance(element.tag, str) or not (element.text or "").strip():
                continue
            if _NOT_TEXT.fullmatch(element.text.strip()):  # counts, dates, flags: never a name
                continue
            label = element.getparent().get("name") if name.endswith("custom.xml") else None
            label = label or etree.QName(element).localname
            passages.append(Passage(f"Document properties ({label})", element.text))
    return [passage for passage in passages if passage.text.strip()]


# PDFium is not thread-safe: one extraction at a time in a process (gunicorn may run threads).
_PDFIUM = threading.Lock()


def _pdf_passages(data: bytes) -> list[Passage]:
    """A PDF's text through PDFium (pypdfium2): page by page, comments on pages, bookmarks and
    properties. PDFium, the PDF engine of Chrome, reads a 200-page report in a fraction of a
    second (0.23 s of CPU for 172 pages, where pypdf took 5.7 s)."""
    import pypdfium2
    import pypdfium2.raw as pdfium

    with _PDFIUM:
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as error:
            # Also a PDF that needs a password: PDFium opens one with an empty user password.
            raise UnreadableDocument("the PDF cannot be read (damaged, or protected by a password)") from error
        try:
            passages: list[Passage] = []
            for number in range(len(document)):
                page = document[number]
                try:
                    text_page = page.get_textpage()
                    try:
                        text = text_page.get_text_bounded()
                    finally:
                        text_page.close()
                    passages.append(Passage(f"Page {number + 1}", text.replace("\r\n", "\n")))
                    passages.append(Passage(f"Page {number + 1} (comments)", "\n".join(_annotations(pdfium, page))))
                finally:
                    page.close()
            titles = [bookmark.get_title() for bookmark in document.get_toc()]
            passages.append(Passage("Bookmarks", "\n".join(titles)))
            for key, value in document.get_metadata_dict(skip_empty=True).items():
                if key not in ("CreationDate", "ModDate"):
                    passages.append(Passage(f"Document properties ({key})", value))
        except pypdfium2.PdfiumError as error:
            raise UnreadableDocument("the PDF cannot be read") from error
        finally:
            document.close()
    return [passage for passage in passages if passage.text.strip()]


def _annotations(pdfium, page) -> list[str]:
    """The author and text of each annotation (a reviewer's comment, a sticky note) on ``page``."""
    import ctypes

    notes = []
    for index in range(pdfium.FPDFPage_GetAnnotCount(page)):
        annotation = pdfium.FPDFPage_GetAnnot(page, index)
        if not annotation:
            continue
        try:
            for key in (b"T", b"Contents"):
                size = pdfium.FPDFAnnot_GetStringValue(annotation, key, None, 0)  # bytes, with the NUL
                if size <= 2:
                    continue
                buffer = (ctypes.c_ushort * (size // 2))()
                pdfium.FPDFAnnot_GetStringValue(annotation, key, buffer, size)
                notes.append(bytes(buffer).decode("utf-16-le", errors="replace").rstrip("\x00"))
        finally:
            pdfium.FPDFPage_CloseAnnot(annotation)
    return notes
