"""The yardstick: a bare Flask app answering one page with one indexed query on the same
database, served by the same gunicorn settings as Frontdesk. BENCH_DATABASE_URL names the database."""
import os
from html import escape

import sqlalchemy as sa
from flask import Flask

app = Flask(__name__)
engine = sa.create_engine(os.environ["BENCH_DATABASE_URL"])
QUERY = sa.text("SELECT id, number, area, use FROM unit WHERE site_id = :site AND number = :number")


@app.get("/units/<int:site_id>/<number>")
def unit(site_id, number):
    with engine.connect() as conn:
        row = conn.execute(QUERY, {"site": site_id, "number": number}).one_or_none()
    if row is None:
        return "not found", 404
    return (f"<!doctype html><title>{escape(row.number)}</title>"
            f"<h1>{escape(row.number)}</h1><p>{row.area} m², {escape(row.use)}</p>")


@app.get("/healthz")
def healthz():
    return "ok"
