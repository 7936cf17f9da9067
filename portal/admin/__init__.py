"""Administration: users and organisations."""

from flask import Blueprint

bp = Blueprint("admin", __name__)
