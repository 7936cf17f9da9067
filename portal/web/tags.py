"""GOV.UK tags (https://design-system.service.gov.uk/components/tag/): the colours there are."""

from __future__ import annotations

TAG_COLOURS = frozenset(
    {"grey", "green", "turquoise", "blue", "light-blue", "purple", "pink", "red", "orange", "yellow"}
)


def tag(text: str, colour: str) -> dict:
    """The ``govukTag`` macro's parameters for ``text`` in ``colour``."""
    if colour not in TAG_COLOURS:
        raise ValueError(f"{colour!r} is not a GOV.UK tag colour")
    return {"text": text, "classes": f"govuk-tag--{colour}"}
