"""Sign-in, invitations, password reset, security codes and the user's own account."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
