"""The case register: reviews, who is on them, and (later) their lifecycle."""

from flask import Blueprint

bp = Blueprint("cases", __name__)
