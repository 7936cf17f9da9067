"""PostgreSQL connections checked before use without a round trip on every request.

A pooled connection can be dead when it is taken from the pool: the server restarted, an
administrator or a failover ended the backend, or a firewall dropped a TCP connection left
idle. SQLAlchemy's ``pool_pre_ping`` finds out by sending ``SELECT 1`` on every checkout,
which on PostgreSQL is one more round trip per request, every request (on these machines
a loopback round trip costs a third of a millisecond, more than serving a kept page).

This check costs no round trip for a connection in steady use:

* a server that ends a connection tells the client, and closes the socket: a socket with
  something to read while the connection sits idle in the pool means the connection is
  gone (PostgreSQL sends nothing else unasked to a connection that is not listening for
  notifications, which the portal never does). Found without waiting: ``select`` with a
  timeout of zero;
* a connection idle for longer than ``DATABASE_PING_AFTER_SECONDS`` (30 by default) is
  pinged as before: a dropped TCP connection gives no sign until something is sent.

A connection found dead is thrown away and the pool opens another, so the request carries on
(SQLAlchemy's ``DisconnectionError``, raised from the checkout event, does exactly this). A
connection that dies while a request is using it fails that request as before, with the
styled 503 page, and the pool is emptied of its other connections. SQLite needs none of
this: a file does not go away between two requests.
"""

from __future__ import annotations

import select
import time

from sqlalchemy import event, exc

from portal.extensions import db

_CHECKED_IN = "portal.checked_in_at"


def _readable(dbapi_connection) -> bool:
    """Whether the connection's socket has something to read (or has been closed) right now."""
    try:
        ready, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):  # no socket at all any more
        return True
    return bool(ready)


def _checkin(_dbapi_connection, record) -> None:
    record.info[_CHECKED_IN] = time.monotonic()


def _checker(engine, ping_after: float):
    def checkout(dbapi_connection, record, _proxy) -> None:
        checked_in = record.info.get(_CHECKED_IN)
        if checked_in is None:
            return  # just opened
        if _readable(dbapi_connection):
            raise exc.DisconnectionError("the server ended the connection while it was in the pool")
        if time.monotonic() - checked_in > ping_after:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except engine.dialect.loaded_dbapi.Error as error:
                raise exc.DisconnectionError("the connection did not answer a ping after being idle") from error

    return checkout


def init_app(app) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql" or app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        return  # pool_pre_ping set explicitly: SQLAlchemy pings every checkout itself
    event.listen(engine, "checkin", _checkin)
    event.listen(engine, "checkout", _checker(engine, float(app.config["DATABASE_PING_AFTER_SECONDS"])))
