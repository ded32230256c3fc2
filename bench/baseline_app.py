"""The submit benchmark's baseline: bare Flask, a 25-field WTForms form validated, one
SQLAlchemy row inserted, no CSRF. gunicorn loads ``bench.baseline_app:wsgi_app()``; the
database is ``BENCH_BASELINE_DATABASE`` (a SQLite path)."""

from __future__ import annotations

import os
import sys

from flask import Flask, redirect, request
from sqlalchemy import JSON, Integer, String, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from wtforms import Form, RadioField, StringField
from wtforms.validators import DataRequired, Length

FIELDS = 25
CHOICES = [("yes", "Yes"), ("no", "No"), ("unsure", "Not sure")]


class Base(DeclarativeBase):
    pass


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    answers: Mapped[dict] = mapped_column(JSON)


class BaselineForm(Form):
    name = StringField(validators=[DataRequired(), Length(max=200)])


for _number in range(1, FIELDS):
    setattr(BaselineForm, f"q{_number}", RadioField(choices=CHOICES, validators=[DataRequired()]))


def form_data() -> list[tuple[str, str]]:
    """What a client posts: the 25 fields."""
    return [("name", "Load Patient"), *((f"q{n}", "no") for n in range(1, FIELDS))]


def make_engine(path: str):
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(connection, _record):
        # As the app's own engine does (screening/database.py): same durability, same locking.
        connection.isolation_level = None
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    # gunicorn.conf.py's logger imports the ``screening`` package, whose engine-wide listener
    # already begins every SQLite transaction with BEGIN IMMEDIATE; do the same only without it.
    if "screening.database" not in sys.modules:

        @event.listens_for(engine, "begin")
        def _immediate(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_app(path: str) -> Flask:
    app = Flask(__name__)
    engine = make_engine(path)
    Base.metadata.create_all(engine)

    @app.get("/")
    def ok():
        return "ok"

    @app.post("/submit")
    def submit():
        form = BaselineForm(request.form)
        if not form.validate():
            return {"errors": form.errors}, 400
        with Session(engine) as session:
            session.add(
                Submission(name=form.name.data, answers={k: v for k, v in form.data.items()})
            )
            session.commit()
        return redirect("/", code=303)

    return app


def wsgi_app() -> Flask:
    return create_app(os.environ["BENCH_BASELINE_DATABASE"])
