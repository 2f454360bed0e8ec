"""Third-party loggers never below INFO (issue 20, defect 9).

At DEBUG, aiokafka logs the records it sends and fetches (an audit record's value, a
referral's phone number), and the HTTP clients and servers log headers and bodies.
Whatever level linkwatch runs at, these loggers stay at INFO or above, so ``--loglevel
debug`` shows linkwatch's own reasoning (which logs ids and counts, never record
values) and not the data.  ``cap_third_party`` is called wherever logging is set up:
``linkwatch`` commands, ``linkwatch worker`` (after Faust configures the root logger)
and ``linkwatch serve``.
"""

from __future__ import annotations

import logging

THIRD_PARTY = ("aiokafka", "kafka", "faust", "mode", "urllib3", "httpx", "httpcore",
               "uvicorn", "uvicorn.access", "uvicorn.error", "asyncio", "redis",
               "hpack", "h11", "multipart", "python_multipart", "schemathesis")
FLOOR = logging.INFO


def cap_third_party(names: tuple[str, ...] = THIRD_PARTY) -> None:
    """Set each logger in ``names`` (and so its children, unless they set their own
    level) to INFO, or the root logger's level when that is higher, when it would log
    below that."""
    floor = max(FLOOR, logging.getLogger().getEffectiveLevel())
    for name in names:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < floor:
            logger.setLevel(floor)
    logging.getLogger(__name__).debug("third-party loggers at %s or above: %s",
                                      logging.getLevelName(floor), ", ".join(names))
