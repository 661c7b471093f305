"""Exit 0 when the PostgreSQL server of the given SQLAlchemy URL answers, 1 otherwise
(used by `make test` to decide whether to run the PostgreSQL pass)."""

import sys

import psycopg
from sqlalchemy import make_url

url = make_url(sys.argv[1])
try:
    psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
        connect_timeout=5,
    ).close()
except psycopg.OperationalError as exc:
    print(f"PostgreSQL at {url.render_as_string(hide_password=True)}: {exc}".strip())
    sys.exit(1)
