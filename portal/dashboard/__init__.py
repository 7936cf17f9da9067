"""The business office dashboard: where every review stands, and what is overdue."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)
