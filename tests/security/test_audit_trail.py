"""The audit trail resists tampering by someone who can write to the database but has neither
the audit key (``instance/audit.key``) nor the anchor (``instance/audit.anchor``).

Each attack is made on the database directly (the ORM refuses to change audit rows), then
``flask audit verify`` must exit 1 naming the first row affected: rows removed at the end, all
of them or in the middle, a row inserted, a row edited, the chain rewritten from an edited row
with plain SHA-256 hashes or under a guessed key, and a wrong key. Rows committed after the
last anchor (a crash between the two) are reported as not yet anchored, exit 0. The app
refuses to start when audit rows exist without their key; a trail written before keys is
adopted once, audited, and cannot be passed off as unkeyed afterwards. The anchor never moves
back, whatever order two writers commit and anchor in.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import threading
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup
from sqlalchemy import select, text

from screening import audit
from screening.access import NURSE
from screening.audit import Action
from screening.audit import anchor as audit_anchor
from screening.audit.anchor import GENESIS_MAC, Head, read_head, write_head
from screening.audit.key import AuditKeyMissing, audit_trail, create_key
from screening.extensions import db
from screening.models import AuditEvent
from tests.conftest import TEST_DATABASE_URL
from tests.staff.helpers import signed_in, submit_screening
from tests.test_no_lock_across_io import write_lock_held

ROWS = 6


def audit_rows(app) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return rows


def add_rows(app, count: int) -> None:
    """``count`` audit rows, each in a transaction of its own, as requests write them."""
    with app.app_context():
        for number in range(count):
            audit.record(Action.LOGIN, object_type="test", object_id=number, detail="rows=1")
            db.session.commit()


def sql(app, statement: str, **params) -> None:
    with app.app_context():
        db.session.execute(text(statement), params)
        db.session.commit()


def verify(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def rewrite(app, row: AuditEvent) -> None:
    """Store ``row`` (a detached copy, changed) over the row with its id."""
    sql(
        app,
        "UPDATE audit_events SET previous_hash = :previous_hash, row_hash = :row_hash, "
        "detail = :detail WHERE id = :id",
        previous_hash=row.previous_hash,
        row_hash=row.row_hash,
        detail=row.detail,
        id=row.id,
    )


def insert_row(app, row: AuditEvent) -> None:
    """Insert ``row`` with its own id (PostgreSQL's sequence then goes on after the largest)."""
    columns = [column.key for column in AuditEvent.__table__.columns]
    sql(
        app,
        f"INSERT INTO audit_events ({', '.join(columns)}) "  # noqa: S608  (the model's columns)
        f"VALUES ({', '.join(':' + c for c in columns)})",
        **{column: getattr(row, column) for column in columns},
    )
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        sql(app, "SELECT setval('audit_events_id_seq', (SELECT max(id) FROM audit_events))")


def copy_of(row: AuditEvent, **changes) -> AuditEvent:
    values = {column.key: getattr(row, column.key) for column in AuditEvent.__table__.columns}
    return AuditEvent(**{**values, **changes})


@pytest.fixture
def trail(app):
    """An app whose trail holds ``ROWS`` rows, anchored."""
    add_rows(app, ROWS)
    return app


def broken_at(output: str) -> int:
    match = re.search(r"Audit trail broken at row (\d+)", output)
    assert match, output
    return int(match.group(1))


# --- the intact trail ---------------------------------------------------------------------------


def test_an_intact_trail_verifies_and_its_head_is_anchored(trail):
    rows = audit_rows(trail)
    code, output = verify(trail)
    assert code == 0, output
    assert f"Audit trail intact: {ROWS} rows ({ROWS} keyed)" in output
    assert "not yet anchored" not in output.lower()
    anchored = read_head(audit_trail(trail).anchor.path)
    assert (anchored.rows, anchored.last_id, anchored.mac) == (ROWS, rows[-1].id, rows[-1].row_hash)
    with trail.app_context():
        assert anchored.key_id == audit_trail().key.key_id
    key_file = audit_trail(trail).key_path
    assert key_file.parent == Path(trail.instance_path)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert audit_trail(trail).anchor.path.stat().st_mode & 0o777 == 0o600
    # HMAC under the key, not a plain hash that anyone could compute.
    assert rows[0].row_hash != audit.row_digest(rows[0])


# --- tampering ----------------------------------------------------------------------------------


def test_truncation_the_last_rows_removed_is_reported(trail):
    rows = audit_rows(trail)
    sql(trail, "DELETE FROM audit_events WHERE id > :id", id=rows[3].id)
    code, output = verify(trail)
    assert code == 1, output
    assert broken_at(output) == rows[3].id + 1
    assert f"the last {ROWS - 4} rows were removed" in output


def test_deleting_every_row_is_reported(trail):
    sql(trail, "DELETE FROM audit_events")
    code, output = verify(trail)
    assert code == 1, output
    assert f"the trail has no rows, and the anchor holds {ROWS}" in output
    assert "every row was removed" in output


def test_deleting_a_row_in_the_middle_is_reported(trail):
    rows = audit_rows(trail)
    sql(trail, "DELETE FROM audit_events WHERE id = :id", id=rows[2].id)
    code, output = verify(trail)
    assert code == 1, output
    assert broken_at(output) == rows[3].id  # the first row whose link is gone
    assert f"a row after row {rows[1].id} was removed" in output


def test_an_inserted_row_is_reported(trail):
    rows = audit_rows(trail)
    # Rows 4 to 6 move up one id to make room; the forged row follows row 3 and carries the
    # only hash that can be made without the key, a plain one.
    sql(trail, "DELETE FROM audit_events WHERE id > :id", id=rows[2].id)
    forged = copy_of(rows[3], previous_hash=rows[2].row_hash, action="logout", detail="")
    forged.row_hash = audit.row_digest(forged)
    insert_row(trail, forged)
    for row in rows[3:]:
        insert_row(trail, copy_of(row, id=row.id + 1))
    code, output = verify(trail)
    assert code == 1, output
    assert broken_at(output) == forged.id
    assert "plain SHA-256 hash where a MAC under the audit key is due" in output


def test_a_row_added_at_the_end_is_tampering_not_unanchored(trail):
    rows = audit_rows(trail)
    for row_hash in (None, secrets.token_hex(32)):  # a plain hash, then a made-up MAC
        sql(trail, "DELETE FROM audit_events WHERE id > :id", id=rows[-1].id)
        forged = copy_of(rows[-1], id=rows[-1].id + 1, previous_hash=rows[-1].row_hash)
        forged.row_hash = row_hash or audit.row_digest(forged)
        insert_row(trail, forged)
        code, output = verify(trail)
        assert code == 1, output
        assert broken_at(output) == forged.id
        assert "not yet anchored" not in output.lower()


def test_an_edited_row_is_reported(trail):
    rows = audit_rows(trail)
    sql(trail, "UPDATE audit_events SET result = 'failed' WHERE id = :id", id=rows[2].id)
    code, output = verify(trail)
    assert code == 1, output
    assert broken_at(output) == rows[2].id
    assert "its MAC does not match" in output


@pytest.mark.parametrize("rehash", ["plain SHA-256", "a guessed key"])
def test_rechaining_from_an_edited_row_with_recomputed_hashes_is_reported(trail, rehash):
    guessed = secrets.token_bytes(32)
    rows = audit_rows(trail)
    previous = rows[1].row_hash
    for row in rows[2:]:
        row.previous_hash = previous
        if row is rows[2]:
            row.detail = "rows=0"
        row.row_hash = (
            audit.row_digest(row) if rehash == "plain SHA-256" else audit.row_mac(guessed, row)
        )
        rewrite(trail, row)
        previous = row.row_hash
    # The attacker cannot reach the anchor; were it rewritten too, the MACs still fail.
    code, output = verify(trail)
    assert code == 1, output
    assert broken_at(output) == rows[2].id


def test_a_wrong_key_is_reported(make_app, trail):
    rows = audit_rows(trail)
    key_file = audit_trail(trail).key_path
    key_file.unlink()
    create_key(key_file)  # another key, where the trail's was
    restarted = make_app()
    code, output = verify(restarted)
    assert code == 1, output
    assert broken_at(output) == rows[0].id
    assert "is not the key the trail was written with" in output


def test_a_missing_key_with_rows_refuses_to_start(make_app, trail):
    key_file = audit_trail(trail).key_path
    key_file.unlink()
    with pytest.raises(AuditKeyMissing) as refused:
        make_app()
    assert str(key_file) in str(refused.value)
    assert "restore the key file" in str(refused.value)
    assert not key_file.exists(), "a new key was made for an existing trail"


def test_rows_past_the_anchor_are_reported_as_not_yet_anchored(trail, monkeypatch):
    rows = audit_rows(trail)
    # A crash between the commit and the anchor, twice: the rows are stored, the anchor not.
    with monkeypatch.context() as crashed:
        crashed.setattr(audit, "advance", lambda *args: None)
        add_rows(trail, 2)
    code, output = verify(trail)
    assert code == 0, output
    assert f"Audit trail intact: {ROWS + 2} rows" in output
    assert f"Not yet anchored: 2 rows after row {rows[-1].id}" in output
    assert "Not a sign of tampering" in output
    # The next commit anchors them all (the rows between are counted from the database).
    add_rows(trail, 1)
    code, output = verify(trail)
    assert code == 0 and "not yet anchored" not in output.lower(), output
    assert read_head(audit_trail(trail).anchor.path).rows == ROWS + 3


def test_the_anchor_does_not_move_past_removed_rows(trail):
    rows = audit_rows(trail)
    sql(trail, "DELETE FROM audit_events WHERE id > :id", id=rows[3].id)
    add_rows(trail, 4)  # the app goes on writing, past the removed rows' ids
    anchored = read_head(audit_trail(trail).anchor.path)
    assert (anchored.rows, anchored.last_id) == (ROWS, rows[-1].id)
    code, output = verify(trail)
    assert code == 1, output
    # SQLite gives the removed ids again (the anchored id now holds another row); PostgreSQL
    # goes on after them (the anchored row is missing when the next row is reached).
    assert broken_at(output) in (rows[-1].id, rows[-1].id + 1)


# --- the anchor ---------------------------------------------------------------------------------


def test_the_anchor_is_monotonic_under_two_writers(trail, monkeypatch):
    """Two writers anchor the same 40 commits, one in commit order and one in reverse, at once,
    each through its own open file: the head read at any moment never goes back, and ends at
    the newest."""
    heads: list[tuple] = []
    monkeypatch.setattr(audit, "advance", lambda anchor, appended, *rest: heads.append(appended))
    add_rows(trail, 40)
    monkeypatch.undo()
    path = audit_trail(trail).anchor.path
    with trail.app_context():
        key_id, engine = audit_trail().key.key_id, db.engine
    start = read_head(path)
    seen: list[int] = []
    done = threading.Event()

    def watch():
        while not done.is_set():
            seen.append(read_head(path).last_id)

    def write(order):
        for appended in order:
            audit_anchor.advance(audit_trail(trail).anchor, appended, key_id, engine)

    watcher = threading.Thread(target=watch)
    writers = [threading.Thread(target=write, args=(o,)) for o in (heads, heads[::-1])]
    watcher.start()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    done.set()
    watcher.join()

    last = audit_rows(trail)[-1]
    final = read_head(path)
    assert (final.rows, final.last_id, final.mac) == (start.rows + 40, last.id, last.row_hash)
    assert seen == sorted(seen), "an older head overwrote a newer one"
    # An older head, written after, changes nothing.
    assert audit_anchor.advance(audit_trail(trail).anchor, heads[0], key_id, engine) is None
    assert read_head(path) == final
    code, output = verify(trail)
    assert code == 0, output


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's database-wide write lock")
def test_the_anchor_is_written_after_the_commit_never_under_the_write_lock(
    app, database_url, monkeypatch
):
    database = Path(database_url.removeprefix("sqlite:///"))
    held: list[bool] = []
    real_write = audit_anchor._write

    def probe(handle, head):
        held.append(write_lock_held(database))
        return real_write(handle, head)

    monkeypatch.setattr(audit_anchor, "_write", probe)
    submit_screening(app)  # the submit's row
    nurse = signed_in(app, "nurse@clinic.example", NURSE)  # the account's row, the sign-in's
    assert nurse.get("/staff/").status_code == 200  # the queue's
    assert len(held) == 4 and not any(held), held


def test_heads_go_to_syslog_as_well(make_app, tmp_path):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    port = receiver.getsockname()[1]
    try:
        app = make_app(AUDIT_ANCHOR=[str(tmp_path / "shared.anchor"), f"syslog:127.0.0.1:{port}"])
        add_rows(app, 1)
        message = receiver.recv(4096).decode()
    finally:
        receiver.close()
    last = audit_rows(app)[-1]
    assert "preclear-audit: head" in message
    sent = json.loads(message.split("head ", 1)[1].rstrip("\x00"))
    assert (sent["rows"], sent["last_id"], sent["mac"]) == (1, last.id, last.row_hash)
    assert read_head(tmp_path / "shared.anchor").mac == last.row_hash


def test_after_a_restore_reanchor_sets_the_anchor_and_is_audited(trail):
    rows = audit_rows(trail)
    # A backup restored: the anchor holds more rows than the restored trail.
    sql(trail, "DELETE FROM audit_events WHERE id > :id", id=rows[3].id)
    assert verify(trail)[0] == 1
    result = trail.test_cli_runner().invoke(args=["audit", "reanchor"])
    assert result.exit_code == 0, result.output
    assert "Anchor set at 4 rows" in result.output
    assert f"it held {ROWS} rows" in result.output
    last = audit_rows(trail)[-1]
    assert (last.action, last.object_type) == ("audit_trail", "audit_trail")
    assert last.detail == f"anchored again at 4 rows (it held {ROWS} rows)"
    code, output = verify(trail)
    assert code == 0, output
    assert read_head(audit_trail(trail).anchor.path).rows == 5


# --- a trail written before keys ----------------------------------------------------------------


def legacy_trail(app, count: int) -> None:
    """The trail as a version without audit keys wrote it: plain SHA-256, no key, no anchor."""
    previous = GENESIS_MAC
    add_rows(app, 1)
    template = audit_rows(app)[0]
    sql(app, "DELETE FROM audit_events")
    for number in range(count):
        row = copy_of(template, id=template.id + number, previous_hash=previous)
        row.object_id = str(number)
        row.row_hash = audit.row_digest(row)
        insert_row(app, row)
        previous = row.row_hash
    audit_trail(app).key_path.unlink()
    audit_trail(app).anchor.path.unlink()


def command_line(make_app, *args: str):
    """``flask --app screening <args>``: the app built by the flask command, as from a shell."""
    group = FlaskGroup(create_app=lambda: make_app(), load_dotenv=False)
    return CliRunner().invoke(group, list(args))


def test_a_trail_from_before_keys_is_adopted_once_and_audited(make_app, app):
    legacy_trail(app, 5)
    # The server refuses to start, naming the file and the way forward.
    with pytest.raises(AuditKeyMissing, match="audit adopt-key"):
        make_app()
    # On the command line the app builds, refuses every request and audits nothing.
    with click.Context(click.Command("flask")):
        locked = make_app()
    assert locked.test_client().get("/intake/").status_code == 500
    with locked.app_context(), pytest.raises(AuditKeyMissing):
        audit.record(Action.LOGIN)
    checked = command_line(make_app, "audit", "verify")
    assert checked.exit_code == 1
    assert "All 5 rows verify as written before audit keys" in checked.output

    adopted = command_line(make_app, "audit", "adopt-key")
    assert adopted.exit_code == 0, adopted.output
    key = json.loads(audit_trail(app).key_path.read_text())
    assert key["legacy_rows"] == 5
    assert audit_trail(app).key_path.stat().st_mode & 0o777 == 0o600
    restarted = make_app()
    add_rows(restarted, 2)
    rows = audit_rows(restarted)
    assert (rows[5].action, rows[5].detail) == (
        "audit_trail",
        "key adopted: the 5 rows before this one are unkeyed",
    )
    assert rows[5].row_hash == audit.row_mac(bytes.fromhex(key["key"]), rows[5])
    code, output = verify(restarted)
    assert code == 0, output
    assert "Audit trail intact: 8 rows (3 keyed, 5 of them written before the key)" in output
    again = command_line(make_app, "audit", "adopt-key")
    assert again.exit_code == 1 and "has its key already" in again.output

    # Keyed rows cannot be downgraded to plain hashes, nor legacy rows rewritten.
    downgraded = rows[6]
    downgraded.detail = "rows=0"
    downgraded.row_hash = audit.row_digest(downgraded)
    rewrite(restarted, downgraded)
    code, output = verify(restarted)
    assert code == 1 and broken_at(output) == downgraded.id, output
    assert "plain SHA-256 hash where a MAC under the audit key is due" in output


def test_adopt_key_refuses_a_keyed_trail_whose_key_was_lost(make_app, trail):
    key_file = audit_trail(trail).key_path
    key_file.unlink()
    refused = command_line(make_app, "audit", "adopt-key")
    assert refused.exit_code == 1
    assert f"Row {audit_rows(trail)[0].id} does not verify as a row written before" in (
        refused.output
    )
    assert "restore its key file" in refused.output
    assert not key_file.exists()


def test_a_new_instance_makes_its_key_and_anchor_once(make_app, app):
    trail = audit_trail(app)
    first = trail.key_path.read_text()
    assert read_head(trail.anchor.path) == Head(0, 0, GENESIS_MAC, trail.key.key_id)
    make_app()  # started again: the same key
    assert trail.key_path.read_text() == first
    # A new key is never written over one, even by two processes at once.
    assert create_key(trail.key_path).secret == trail.key.secret
    assert not write_head(trail.anchor.path, Head(9, 9, GENESIS_MAC), replace=False)
