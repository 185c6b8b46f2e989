"""The yardstick for bench/load.py: a bare Flask endpoint that only inserts one row and commits.

Served by gunicorn exactly like the app (same workers, same database), so that the load benchmark can report the
app's throughput as a share of what this machine and database do with no application work at all:

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_proof \
        gunicorn -w 4 -b 127.0.0.1:8001 --chdir bench bare_app:app

POST /insert adds one row to ``bench_bare_inserts`` (bench/load.py creates the table) and answers 204.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask

TABLE = "bench_bare_inserts"


def _url() -> str:
    url = os.environ["DATABASE_URL"]
    return "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith(("postgres://", "postgresql://")) else url


CREATE_TABLE = (f"CREATE TABLE IF NOT EXISTS {TABLE} (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL, "
                f"created_at TIMESTAMPTZ NOT NULL DEFAULT now())")  # run once by bench/load.py before start-up
engine = sa.create_engine(_url(), pool_size=5, pool_pre_ping=True)

app = Flask(__name__)


@app.post("/insert")
def insert_row():
    with engine.begin() as connection:
        connection.execute(sa.text(f"INSERT INTO {TABLE} (payload) VALUES (:payload)"), {"payload": "x"})
    return "", 204
