"""Named leases: one holder at a time; a holder known to be gone gives way at once."""

from __future__ import annotations

from datetime import timedelta

from storage.lease import acquire_lease, release_lease
from tests.turns import turn

TTL = timedelta(seconds=30)


async def test_one_holder_at_a_time_until_release(session, clock) -> None:
    assert await turn(
        session, acquire_lease(session, holder="a", ttl=TTL, clock=clock, name="polling")
    )
    assert not await turn(
        session, acquire_lease(session, holder="b", ttl=TTL, clock=clock, name="polling")
    )
    assert await turn(
        session, acquire_lease(session, holder="a", ttl=TTL, clock=clock, name="polling")
    )  # renew
    await turn(session, release_lease(session, holder="a", clock=clock, name="polling"))
    assert await turn(
        session, acquire_lease(session, holder="b", ttl=TTL, clock=clock, name="polling")
    )


async def test_an_expired_or_gone_holder_is_replaced(session, clock) -> None:
    assert await turn(
        session, acquire_lease(session, holder="host:polling:11", ttl=TTL, clock=clock, name="p")
    )
    gone = {"host:polling:11"}.__contains__
    assert not await turn(
        session, acquire_lease(session, holder="host:polling:12", ttl=TTL, clock=clock, name="p")
    )
    assert await turn(
        session,
        acquire_lease(session, holder="host:polling:12", ttl=TTL, clock=clock, name="p", gone=gone),
    )
    clock.advance(seconds=31)
    assert await turn(session, acquire_lease(session, holder="c", ttl=TTL, clock=clock, name="p"))
