"""Release rules: names, what pruning keeps, what a rollback flips to. Pure, table-driven."""

from __future__ import annotations

import pytest

from wh.core.releases import (
    Release,
    ReleaseError,
    is_release,
    newest_first,
    previous,
    release_name,
    rollback_to,
    to_prune,
)

A, B, C, D, E = (c * 40 for c in "abcde")
FIVE = [Release(A, 1), Release(B, 2), Release(C, 3), Release(D, 4), Release(E, 5)]


def test_release_names_are_full_commits() -> None:
    assert release_name(A, dirty=False) == A
    assert release_name(A, dirty=True, sha256="9" * 64) == f"{A}-dirty-{'9' * 12}"
    assert is_release(A) and is_release(f"{A}-dirty-{'9' * 12}") and is_release("1" * 64)
    assert not is_release(f"{A}-dirty")
    with pytest.raises(ValueError, match="named with the PEX's sha256"):
        release_name(A, dirty=True)
    assert not is_release("latest") and not is_release(A[:12]) and not is_release(".wh-tmp-x")
    with pytest.raises(ValueError):
        release_name("abc123", dirty=False)


def test_newest_first_orders_by_deploy_time() -> None:
    assert [r.name for r in newest_first(FIVE)] == [E, D, C, B, A]


@pytest.mark.parametrize(
    ("live", "expected"),
    [(E, D), (C, B), (A, None), (None, None), ("f" * 40, None)],
)
def test_previous_is_the_newest_release_deployed_before_the_live_one(
    live: str | None, expected: str | None
) -> None:
    assert previous(FIVE, live) == expected


@pytest.mark.parametrize(
    ("live", "keep", "pruned"),
    [
        (E, 5, []),
        (E, 3, [B, A]),  # oldest go first
        (E, 2, [C, B, A]),  # live and the one before it
        (C, 2, [E, D, A]),  # after a rollback to C: C and B stay, even though older
        (C, 3, [D, A]),  # then the newest of the others
        (None, 2, [C, B, A]),  # nothing live: the newest stay
    ],
)
def test_prune_never_removes_the_live_release_or_the_one_before_it(
    live: str | None, keep: int, pruned: list[str]
) -> None:
    assert to_prune(FIVE, live, keep) == pruned


def test_rollback_flips_to_the_one_before_the_live_one_or_the_named_one() -> None:
    assert rollback_to(FIVE, E, None, "web1") == D
    assert rollback_to(FIVE, E, B, "web1") == B
    assert rollback_to(FIVE, E, C[:7], "web1") == C  # an unambiguous prefix
    with pytest.raises(ReleaseError, match="web1: no release before the live one"):
        rollback_to(FIVE, A, None, "web1")
    with pytest.raises(ReleaseError, match=r"web1: no release f{7}"):
        rollback_to(FIVE, E, "f" * 40, "web1")
    with pytest.raises(ReleaseError, match="no release abc"):
        rollback_to(FIVE, E, "abc", "web1")  # too short to be a prefix


def test_an_ambiguous_prefix_is_refused() -> None:
    twins = [Release("abcdef0" + "0" * 33, 1), Release("abcdef0" + "1" * 33, 2)]
    with pytest.raises(ReleaseError, match="abcdef0 names 2 releases"):
        rollback_to(twins, None, "abcdef0", "h")
