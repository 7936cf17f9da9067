"""Each person's home page: their work queue."""

from flask import Blueprint

bp = Blueprint("home", __name__)
