"""Reports generated from live data: the quarterly board report (page, Word and PDF)."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
