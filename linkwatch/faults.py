"""One report must never stop a stage: what an unexpected exception while handling one
report becomes.

``capture(stage, exc)`` turns it into a :class:`Fault`: the stage, the exception's class
and the code location (the innermost frame in linkwatch's own code, as a module name and
line).  Never the exception's message: it can carry the report's personal data (a
``UnicodeEncodeError`` quotes the name it could not encode).  The stage then sends the
report to the dead-letter topic with reason ``processing_error``
(``linkwatch.rules.intake.processing_dead_letter``) and goes on with the next report;
``linkwatch deadletters --replay`` re-drives such reports once the code is fixed.

Exceptions that say a service is briefly unreachable are not the report's fault: the
batch machinery retries those (``TRANSIENT``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import TracebackType
from typing import Final

log = logging.getLogger(__name__)

PROCESSING_ERROR: Final = "processing_error"  # a DeadLetter reason (a Literal)


def _transient_types() -> tuple[type[BaseException], ...]:
    kinds: list[type[BaseException]] = [ConnectionError, TimeoutError]
    try:
        from aiokafka.errors import KafkaError

        kinds.append(KafkaError)
    except ImportError:  # pragma: no cover - aiokafka is a dependency
        pass
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        kinds += [RedisConnectionError, RedisTimeoutError]
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    return tuple(kinds)


TRANSIENT: tuple[type[BaseException], ...] = _transient_types()


def is_transient(exc: BaseException) -> bool:
    """A broker or Redis briefly unreachable: retry the work, it is not the report's fault."""
    return isinstance(exc, TRANSIENT)


@dataclass(frozen=True, slots=True)
class Fault:
    """What went wrong while handling one report, without its message text."""

    stage: str        # intake, link, publish, watchlist, readmodel
    exception: str    # the exception's class, e.g. UnicodeEncodeError
    where: str        # innermost linkwatch frame: module:line (function)

    def describe(self) -> str:
        return f"{self.exception} in stage {self.stage} at {self.where}"


def _where(tb: TracebackType | None) -> str:
    """The innermost frame of linkwatch's own code, else the innermost frame at all."""
    ours = last = None
    while tb is not None:
        frame = tb.tb_frame
        module = str(frame.f_globals.get("__name__", "?"))
        here = f"{module}:{tb.tb_lineno} ({frame.f_code.co_name})"
        last = here
        if module == "linkwatch" or module.startswith("linkwatch."):
            ours = here
        tb = tb.tb_next
    return ours or last or "?"


def capture(stage: str, exc: BaseException, *,
            then: str = "the report goes to the dead-letter topic") -> Fault:
    """The fault for ``exc`` (being handled) in ``stage``; logs it, without the message,
    and ``then``: what becomes of the report."""
    fault = Fault(stage, type(exc).__name__, _where(exc.__traceback__))
    log.error("processing error: %s; %s", fault.describe(), then)
    return fault
