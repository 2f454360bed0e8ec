"""Finish a batch before its events are acknowledged, and publish one batch while the
next is computed.

Faust's ``take_events`` acknowledges every event of a batch when the batch's
generator is closed: after the agent body, but also when the body was cancelled
half way (a graceful shutdown, a rebalance) or raised (Redis or the broker briefly
unreachable).  Either way the rest of the batch would be committed unhandled.  So
the batch's I/O runs in its own task, shielded from cancellation and retried with
back-off on failure; the work it retries is idempotent (Redis claims name the input
coordinate, outputs carry deterministic ids and content).

``InOrder`` lets that task outlive the agent body: each event is held
(``Message.incref``, as when two streams read one message), so the ack ``take_events``
gives only releases the hold and the offset is committed once the task has published
the batch and acked it again.  The body goes on to compute the next batch while the
broker stores this one's outputs.  Tasks run one after the other, in batch order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from linkwatch.faults import Fault, capture, is_transient
from linkwatch.streams.produce import Record, send_records

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_DELAY_S = 10.0


Work = Callable[[], Coroutine[Any, Any, None]]


async def finish_batch(work: Work, isolate: Work | None = None) -> None:
    """Run ``work`` until it succeeds.  A broker or Redis briefly unreachable
    (``faults.is_transient``) is retried with back-off.  Any other exception is a fault
    in handling some report of the batch, and retrying would repeat it for ever while
    the stage looks alive: with ``isolate`` (``one_by_one``) the batch's reports are then
    published one at a time, and the one that fails goes to the dead-letter topic."""
    delay = 0.25
    while True:
        task = asyncio.ensure_future(work())
        try:
            await asyncio.shield(task)
            return
        except asyncio.CancelledError:
            await task  # handle the whole batch, so what is acknowledged was done
            raise
        except Exception as exc:  # noqa: BLE001 - retried or isolated: never lost
            if isolate is not None and not is_transient(exc):
                capture("publish", exc, then="publishing the batch's reports one by one")
                await finish_batch(isolate)  # its own I/O retried; a report's fault is its own
                return
            # a transient error's text names a host or a timeout, never a report's content
            log.warning("batch failed (%s%s); retrying in %.2fs", type(exc).__name__,
                        f": {str(exc)[:120]}" if is_transient(exc) else "", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY_S)


async def one_by_one(items: Sequence[T], publish: Callable[[list[T]], Coroutine[Any, Any, None]],
                     dead_letter: Callable[[T, Fault], Record]) -> None:
    """A batch failed for a reason that is not I/O: publish each item alone; an item that
    fails again goes to the dead-letter topic as ``dead_letter(item, fault)`` makes it.
    A transient error raises, and ``finish_batch`` runs this again from the start
    (what went out already is not sent twice: claims and emitted marks are idempotent)."""
    for item in items:
        try:
            await publish([item])
        except Exception as exc:  # noqa: BLE001 - isolated to this item
            if is_transient(exc):
                raise
            for fut in await send_records([dead_letter(item, capture("publish", exc))]):
                await fut


class InOrder:
    """Each batch's I/O in a task of its own, after the previous batch's; the batch's
    events are acknowledged (and so committed) only when its task is done.

    ``work(queued)`` sets ``queued`` once its records are handed to the producer, so
    the caller can let them go out (``queued()``) before its next computation holds
    the event loop: the broker then stores them while the next batch is computed."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.last: asyncio.Future[None] | None = None
        self._queued = asyncio.Event()

    def submit(self, events: Sequence[Any],
               work: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
               isolate: Work | None = None) -> asyncio.Future[None] | None:
        """Queue ``work`` for ``events`` (synchronous: nothing can come between computing
        a batch and queueing its I/O).  Returns the previous batch's task: await it to
        keep at most two batches in flight."""
        for event in events:
            event.message.incref()
        before = self.last
        queued = self._queued = asyncio.Event()

        async def run() -> None:
            if before is not None:
                await asyncio.wait([before])  # in order; its failure is its own
            await finish_batch(lambda: work(queued), isolate)
            for event in events:
                await self.stream.ack(event)

        self.last = asyncio.ensure_future(run())
        return before

    async def send(self, events: Sequence[Any],
                   work: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
                   isolate: Work | None = None) -> None:
        """``submit``, then wait for the previous batch to be done (at most two in
        flight) and for this one's records to be with the producer (``queued``)."""
        previous = self.submit(events, work, isolate)
        if previous is not None:
            await asyncio.shield(previous)
        await self.queued()

    async def queued(self) -> None:
        """Wait until the last batch's records are with the producer (or it is done),
        then give the producer's sender a moment to write them to the broker."""
        if self.last is None:
            return
        waiter = asyncio.ensure_future(self._queued.wait())
        either: list[asyncio.Future[Any]] = [waiter, self.last]
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        await asyncio.sleep(0.001)

    async def drain(self) -> None:
        """Wait until every batch submitted so far is done."""
        if self.last is not None:
            await asyncio.shield(self.last)


class Pace:
    """Where a stage's time goes, logged at info every ``every`` seconds while it works:
    reports per second and the share of wall time spent in each phase the agent names
    (``lap``); the time between batches is ``input`` (waiting for the next batch)."""

    def __init__(self, stage: str, every: float = 30.0) -> None:
        self.stage = stage
        self.every = every
        self.spent: dict[str, float] = {}
        self.count = 0
        self.since = self.mark = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.spent[phase] = self.spent.get(phase, 0.0) + now - self.mark
        self.mark = now

    def done(self, n: int) -> None:
        """A batch of ``n`` reports is finished; the clock now runs as ``input``."""
        self.count += n
        now = time.perf_counter()
        if now - self.since >= self.every and self.count:
            wall = now - self.since
            shares = ", ".join(f"{phase} {t / wall:.0%}" for phase, t in self.spent.items())
            log.info("%s: %d reports in %.0f s (%.0f/s); %s", self.stage, self.count, wall,
                     self.count / wall, shares)
            self.spent, self.count, self.since = {}, 0, now
