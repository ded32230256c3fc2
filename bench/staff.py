"""Nurse queue and a screening's page (in-process, the app's test client), at 10,000 and then
100,000 stored screenings: p50, p99 and SQL statements per request (an N+1 query shows as a
count that grows with the page)."""

from __future__ import annotations

from bench.common import median, percentile, timed

GETS = 200
GOAL_P50_MS = 20.0
SAME_WITHIN = 1.5  # "the same at 10k and 100k": the larger p50 at most this times the 10k one


class StatementCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


def measure(app, client, screening_id: int, counter: StatementCounter, gets: int) -> dict:
    paths = {"queue": "/staff/", "screening": f"/staff/screenings/{screening_id}"}
    figures = {}
    for name, path in paths.items():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        before = counter.count
        client.get(path)
        statements = counter.count - before
        for _ in range(10):
            client.get(path)
        seconds = timed(lambda p=path: client.get(p), gets)
        figures[name] = {
            "p50_ms": round(median(seconds) * 1000, 2),
            "p99_ms": round(percentile(seconds, 0.99) * 1000, 2),
            "statements": statements,
        }
    return figures


def judge(by_size: dict[str, dict]) -> dict:
    sizes = sorted(by_size, key=int)
    small, large = by_size[sizes[0]], by_size[sizes[-1]]
    verdict = {}
    for name in ("queue", "screening"):
        ok = (
            large[name]["p50_ms"] <= GOAL_P50_MS
            and small[name]["p50_ms"] <= GOAL_P50_MS
            and large[name]["p50_ms"] <= SAME_WITHIN * max(small[name]["p50_ms"], 1.0)
            and large[name]["statements"] == small[name]["statements"]
        )
        verdict[name] = ok
    return verdict
