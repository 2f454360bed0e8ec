"""agents/_batch.py: a batch's events are acknowledged only once its I/O is done, batches
do their I/O in order, and a failed batch is retried, not acknowledged.  Real Faust
``Message`` reference counting; the stream's ack is Faust's ``Stream.ack`` in miniature
(``event.ack()``), and ``take_events``' own ack is the same call made when the body ends."""

from __future__ import annotations

import asyncio

from faust.types.tuples import Message

from linkwatch.agents import _batch
from linkwatch.agents._batch import InOrder


class Event:
    def __init__(self, offset: int) -> None:
        self.message = Message("t", 0, offset, 0.0, 0, None, None, b"x", None)
        self.message.incref()  # delivered to one stream (faust.transport.conductor)

    def ack(self) -> bool:
        return self.message.ack(None)  # type: ignore[arg-type]


class Stream:
    async def ack(self, event: Event) -> bool:
        return event.ack()


def take_events_ack(events: list[Event]) -> None:
    """What ``take_events`` does once the agent body returns."""
    for e in events:
        e.ack()


async def test_events_are_acked_only_after_their_batch_is_published() -> None:
    batches = InOrder(Stream())
    first, second = [Event(0), Event(1)], [Event(2)]
    release = asyncio.Event()
    log: list[str] = []

    async def publish(name: str, queued: asyncio.Event, wait: bool) -> None:
        log.append(f"{name} start")
        queued.set()
        if wait:
            await release.wait()
        log.append(f"{name} done")

    assert batches.submit(first, lambda q: publish("a", q, True)) is None
    await batches.queued()
    take_events_ack(first)  # the body returned: Faust acks, but the batch still holds them
    assert not any(e.message.acked for e in first)

    previous = batches.submit(second, lambda q: publish("b", q, False))
    take_events_ack(second)
    await asyncio.sleep(0.01)
    assert log == ["a start"]  # b waits for a: outputs go out in batch order
    assert not any(e.message.acked for e in first + second)

    release.set()
    assert previous is not None
    await previous
    assert all(e.message.acked for e in first)
    await batches.drain()
    assert log == ["a start", "a done", "b start", "b done"]
    assert all(e.message.acked for e in second)


async def test_a_failed_batch_is_retried_and_acked_only_when_it_succeeds(monkeypatch) -> None:
    monkeypatch.setattr(_batch, "MAX_DELAY_S", 0.01)
    batches = InOrder(Stream())
    events = [Event(7)]
    attempts: list[bool] = []

    async def flaky(queued: asyncio.Event) -> None:
        attempts.append(True)
        if len(attempts) < 3:
            raise ConnectionError("broker away")
        queued.set()

    batches.submit(events, flaky)
    take_events_ack(events)
    await asyncio.sleep(0)
    assert not events[0].message.acked
    await batches.drain()
    assert len(attempts) == 3
    assert events[0].message.acked


async def test_a_cancelled_body_leaves_the_batch_to_finish() -> None:
    """Shutdown cancels the agent body while it waits; the submitted batch still
    publishes and acks (what was acknowledged was done)."""
    batches = InOrder(Stream())
    events = [Event(3)]
    gate = asyncio.Event()

    async def publish(queued: asyncio.Event) -> None:
        queued.set()
        await gate.wait()

    async def body() -> None:
        batches.submit(events, publish)
        await batches.drain()

    task = asyncio.ensure_future(body())
    await asyncio.sleep(0.01)
    task.cancel()
    take_events_ack(events)
    await asyncio.sleep(0.01)
    assert not events[0].message.acked
    gate.set()
    assert batches.last is not None
    await batches.last
    assert events[0].message.acked
