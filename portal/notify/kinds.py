"""The fixed registry of message kinds, and how a message is written.

A kind names a template in ``templates/notify/`` whose first line is the subject. Templates
see only ``service_name``, the recipient's own ``name`` and an absolute ``link`` to a portal
page: there is no way to hand them anything else, so nothing about a case can reach an
e-mail. Areas register their kinds at start-up, in code; callers of ``enqueue`` name a kind
and never supply text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

KIND_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")
# The only names a message template may use.
TEMPLATE_VARIABLES = frozenset({"service_name", "name", "link"})


class MessageError(ValueError):
    """A message that must not be written: unknown kind, or a link that is not a plain portal page."""


@dataclass(frozen=True)
class MessageKind:
    name: str
    # Tried in order; the first that exists is used (a source's own wording, then the generic one).
    templates: tuple[str, ...]
    needs_link: bool = True


KINDS: dict[str, MessageKind] = {}


def register_kind(name: str, *, templates: tuple[str, ...] | None = None, needs_link: bool = True) -> MessageKind:
    """Declare a message kind (at start-up). The default template is ``notify/<name>.txt``.

    Registering the same kind again with the same templates is harmless (``create_app`` runs
    once per test); a different definition under a taken name is a programming error.
    """
    if not KIND_NAME.match(name):
        raise ValueError(f"message kind {name!r}: lowercase words joined by '_', optionally 'family.stage'")
    kind = MessageKind(name, tuple(templates or (f"notify/{name}.txt",)), needs_link)
    existing = KINDS.get(name)
    if existing is not None and existing != kind:
        raise ValueError(f"message kind {name!r} is already registered differently")
    KINDS[name] = kind
    return kind


def unregister_kind(name: str) -> None:
    KINDS.pop(name, None)


def get_kind(name: str) -> MessageKind:
    try:
        return KINDS[name]
    except (KeyError, TypeError):
        raise MessageError(f"unknown message kind {name!r}") from None


def check_link(kind: MessageKind, path: str | None) -> str | None:
    """A link must be the path of a real portal page whose only variable parts are numbers.

    That rules out absolute URLs, query strings and any text in the path (a case reference or
    a pseudonym cannot hide in ``/cases/<int:case_id>``).
    """
    if not kind.needs_link:
        if path is not None:
            raise MessageError(f"message kind {kind.name!r} has no link")
        return None
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//") or len(path) > 255:
        raise MessageError("a message link is a path on the portal, starting with one '/'")
    if any(ch in path for ch in "?#%\\") or any(ch.isspace() or ord(ch) < 0x20 for ch in path):
        raise MessageError("a message link carries no query, fragment, escapes or spaces")
    adapter = current_app.url_map.bind("portal.invalid", "/")
    try:
        endpoint, arguments = adapter.match(path, method="GET")
    except (HTTPException, RequestRedirect):
        raise MessageError("a message link must be a page of the portal") from None
    if endpoint in ("static", "assets") or any(not isinstance(value, int) for value in arguments.values()):
        raise MessageError("a message link's variable parts must be numbers (ids), never text")
    return path


def absolute_link(path: str | None) -> str | None:
    if path is None:
        return None
    return current_app.config["BASE_URL"].rstrip("/") + path


def render(kind: MessageKind, *, name: str, link_path: str | None) -> tuple[str, str]:
    """Subject and body of a message of ``kind`` for a person called ``name``."""
    template = current_app.jinja_env.select_template(list(kind.templates))
    text = template.render(service_name=current_app.config["SERVICE_NAME"], name=name, link=absolute_link(link_path))
    subject, _, body = text.partition("\n")
    subject = subject.strip()
    if not subject:
        raise MessageError(f"the template for {kind.name!r} has no subject line")
    return subject, body.lstrip("\n")


def check_templates(kind: MessageKind) -> None:
    """Fail at once (in the caller's transaction) if the kind has no template to write it with."""
    current_app.jinja_env.select_template(list(kind.templates))
