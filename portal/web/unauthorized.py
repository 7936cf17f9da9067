"""What an anonymous or expired request gets instead of the page it asked for."""

from __future__ import annotations

from flask import g, make_response, redirect, request, url_for


def unauthorized():
    """Send the browser to sign-in; htmx gets ``HX-Redirect`` so no login page lands inside a fragment."""
    params = {}
    if g.get("session_ended") in ("idle_timeout", "absolute_timeout"):
        params["expired"] = "1"
    if request.method == "GET" and not getattr(request, "htmx", None):
        params["next"] = request.full_path.rstrip("?")
    target = url_for("auth.sign_in", **params)
    if getattr(request, "htmx", None):
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)
