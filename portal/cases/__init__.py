"""Reviews: the register, the case page, the lifecycle, the case record and who is on a case."""

from flask import Blueprint

bp = Blueprint("cases", __name__)
