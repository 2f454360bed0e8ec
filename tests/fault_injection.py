"""A worker with faults injected, for tests only: ``python tests/fault_injection.py worker``.

``LINKWATCH_TEST_FAULTS`` (JSON) says where:

* ``intake``: a report-id prefix; intake's enrichment raises for those reports;
* ``link``: a report-id prefix; the link stage's referral step raises for those;
* ``past_guard``: true; the batch machinery itself raises (an agent dies).

Each injected exception's message quotes a name, as a real one could (a
``UnicodeEncodeError`` quotes the text it failed on): tests check it reaches no log,
dead letter or output.
"""

from __future__ import annotations

import json
import os
import sys

SECRET = "Łukasz Wiśniewski-Secret"


def _install(faults: dict) -> None:
    if faults.get("intake"):
        import linkwatch.rules.enrichment as enrichment

        original = enrichment.enrich

        def enrich(report, digest, settings):  # type: ignore[no-untyped-def]
            if report.report_id.startswith(faults["intake"]):
                raise ValueError(f"cannot enrich {SECRET}")
            return original(report, digest, settings)
        enrichment.enrich = enrich
    if faults.get("link"):
        from linkwatch.pipeline import Pipeline

        refer = Pipeline._refer

        def _refer(self, report, *args):  # type: ignore[no-untyped-def]
            if report.report_id.startswith(faults["link"]):
                raise KeyError(f"no referral route for {SECRET}")
            return refer(self, report, *args)
        Pipeline._refer = _refer  # type: ignore[method-assign]
    if faults.get("past_guard"):
        from linkwatch.agents import _batch

        async def send(self, events, work, isolate=None):  # type: ignore[no-untyped-def]
            raise RuntimeError(f"batch machinery broke on {SECRET}")
        _batch.InOrder.send = send  # type: ignore[method-assign]


if __name__ == "__main__":
    _install(json.loads(os.environ.get("LINKWATCH_TEST_FAULTS", "{}")))
    from linkwatch.cli import main

    sys.argv[0] = "linkwatch"
    main()
