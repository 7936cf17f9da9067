"""Repeated learning: recommendations from different reviews that say the same thing.

The Domestic Abuse Commissioner found nobody could tell how far review recommendations were
implemented, partly because the same lesson is made again, worded a little differently, review
after review. This module finds those: it scores every pair of recommendation texts with
rapidfuzz (one C++ ``cdist`` call, so 2,000 recommendations take well under a second) and joins
pairs from *different* reviews that score at or above the threshold. Two recommendations of the
same review are never joined directly (a review that says a thing twice has not learned it
twice), though they may meet in one group through a third review that echoes both.

The texts are normalised first: case and punctuation go, a light suffix strip makes "training",
"trained" and "train" one word, and stop words ("the", "should", "all") go, so that the score
reflects what the recommendation is about rather than how it is phrased.

The scorer is the mean of ``token_set_ratio`` and ``token_sort_ratio``: token_set alone scores
100 whenever one text's words are a subset of the other's, so a short "Training for staff"
would join every recommendation that mentions training staff; token_sort alone punishes a
longer rewording too hard. Their mean keeps rewordings together and short subsets apart.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence

import numpy
from rapidfuzz import fuzz, process

DEFAULT_THRESHOLD = 80

# Words that carry how a recommendation is phrased, not what it asks for. Kept short on purpose:
# "not", "no", "without" stay, because they change the meaning.
STOP_WORDS = frozenset(
    (
        "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "for", "by", "with", "from", "as", "into",
        "onto", "within", "that", "this", "these", "those", "is", "are", "be", "been", "being", "was", "were",
        "it", "its", "their", "there", "them", "they", "we", "our", "us", "all", "any", "each", "every",
        "should", "must", "will", "shall", "would", "could", "can", "may", "might", "ensure", "ensures",
        "ensuring", "also", "including", "which", "who", "whom", "whose", "when", "where", "how", "such", "so",
        "than", "then", "about",
    )
)  # fmt: skip

_NOT_WORD = re.compile(r"[^\w]+")
# Longest first: "ing" before "s" before "e".
_SUFFIXES = ("ing", "ed", "es", "s", "e")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def normalise(text: str) -> str:
    """``text`` as the matcher sees it: lower case, words only, stop words out, endings trimmed, sorted.

    Sorted because word order does not matter to either ratio, and sorted texts let the pass over
    all pairs use plain ``fuzz.ratio`` (equal to ``token_sort_ratio`` on them, at half the cost).
    """
    words = _NOT_WORD.sub(" ", (text or "").casefold().replace("_", " ")).split()
    return " ".join(sorted(_stem(word) for word in words if word not in STOP_WORDS))


def _score(left: str, right: str) -> float:
    if not left or not right:
        return 0.0
    return (fuzz.token_set_ratio(left, right) + fuzz.token_sort_ratio(left, right)) / 2


def similarity(left: str, right: str) -> float:
    """The score (0 to 100) two recommendation texts get: what ``repeated_learning`` compares with the threshold."""
    return _score(normalise(left), normalise(right))


def repeated_learning(
    recs: Sequence[tuple[Hashable, str, str]], *, threshold: float = DEFAULT_THRESHOLD
) -> list[list[Hashable]]:
    """Groups of ids of alike recommendations from different reviews.

    ``recs`` holds ``(id, case_reference, text)``. Each group has at least two ids from at least
    two reviews, listed in the order they came in; groups are ordered by their first member's
    position, so the same input always gives the same output.
    """
    count = len(recs)
    if count < 2:
        return []
    texts = [normalise(text) for _id, _case, text in recs]
    case_codes: dict[Hashable, int] = {}
    cases = numpy.array([case_codes.setdefault(case, len(case_codes)) for _id, case, _text in recs])
    worded = numpy.array([bool(text) for text in texts])

    # The mean can reach the threshold only if token_sort_ratio reaches 2 * threshold - 100
    # (token_set_ratio is at most 100), so one multi-threaded C++ pass over all pairs finds the
    # candidates, and token_set_ratio is computed for those alone (or in a second pass when
    # they are many). float32 keeps a 2,000 x 2,000 matrix at 16 MB.
    floor = max(0.0, 2 * threshold - 100)
    sort_scores = process.cdist(texts, texts, scorer=fuzz.ratio, dtype="float32", workers=-1, score_cutoff=floor)
    candidates = (
        numpy.triu(sort_scores >= max(floor, 1e-6), k=1)  # each pair once, never a text with itself
        & (cases[:, None] != cases[None, :])  # from different reviews
        & worded[:, None]
        & worded[None, :]
    )
    rows, columns = candidates.nonzero()
    if len(rows) > 4 * count:
        set_scores = process.cdist(texts, texts, scorer=fuzz.token_set_ratio, dtype="float32", workers=-1)
        alike = (sort_scores[rows, columns] + set_scores[rows, columns]) / 2 >= threshold
        pairs = zip(rows[alike].tolist(), columns[alike].tolist(), strict=True)
    else:
        pairs = (
            (left, right)
            for left, right in zip(rows.tolist(), columns.tolist(), strict=True)
            if _score(texts[left], texts[right]) >= threshold
        )

    parent = list(range(count))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for left, right in pairs:
        a, b = root(left), root(right)
        if a != b:
            parent[max(a, b)] = min(a, b)  # the earliest index stays the root: deterministic

    groups: dict[int, list[int]] = {}
    for index in range(count):
        groups.setdefault(root(index), []).append(index)
    found = [members for members in groups.values() if len(members) >= 2]
    found.sort(key=lambda members: members[0])
    return [[recs[index][0] for index in members] for members in found]
