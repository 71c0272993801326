"""Retry notices grouped by cause: one warning at once per cause, one summary line per cause."""

from __future__ import annotations

from wh.services.report import Silent
from wh.services.session import Retries


class Warnings(Silent):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def warn(self, message: str) -> None:
        self.lines.append(message)


def test_the_first_retry_of_each_cause_is_told_at_once() -> None:
    reporter = Warnings()
    retries = Retries(reporter)
    retries("a.whl", "HTTP 503")
    retries("b.whl", "HTTP 503")
    retries("c.whl", "Connection reset by peer")
    assert reporter.lines == [
        "a.whl: HTTP 503; retrying (with backoff)",
        "c.whl: Connection reset by peer; retrying (with backoff)",
    ]


def test_flush_sums_up_each_cause_that_hit_more_than_once() -> None:
    reporter = Warnings()
    retries = Retries(reporter)
    for subject in ("a.whl", "b.whl", "a.whl"):
        retries(subject, "HTTP 503")
    retries("c.whl", "timed out")
    reporter.lines.clear()
    retries.flush()
    assert reporter.lines == ["HTTP 503: 3 retries, for 2: a.whl, b.whl"]


def test_flush_names_at_most_eight_subjects() -> None:
    reporter = Warnings()
    retries = Retries(reporter)
    for n in range(10):
        retries(f"f{n}.whl", "HTTP 502")
    retries.flush()
    assert reporter.lines[-1] == (
        "HTTP 502: 10 retries, for 10: f0.whl, f1.whl, f2.whl, f3.whl, f4.whl, f5.whl, f6.whl,"
        " f7.whl and 2 more"
    )


def test_flush_forgets_what_it_told() -> None:
    reporter = Warnings()
    retries = Retries(reporter)
    retries("a.whl", "HTTP 503")
    retries("b.whl", "HTTP 503")
    retries.flush()
    told = len(reporter.lines)
    retries.flush()
    assert len(reporter.lines) == told
    retries("c.whl", "HTTP 503")  # a new run of the cause is told at once again
    assert reporter.lines[-1] == "c.whl: HTTP 503; retrying (with backoff)"
