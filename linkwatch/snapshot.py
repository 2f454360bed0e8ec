"""Snapshots of the link stage, so a restart replays only what came after one.

The link stage's state is a pure function of the accepted topic (``rebuild.replay``),
and rebuilding it all on every restart costs about as long as the reports took to
process: hours, once years of reports are held.  So every ``snapshot_every`` reports the
worker writes the whole ``Pipeline`` to ``{data_dir}/snapshots/{app_id}.link.pickle``
with the accepted-topic offset it has reached, and a restart loads it and replays from
that offset on.

Rules that keep a snapshot equal to a replay:

* written only after a batch's outputs are published, so every report it holds was
  handled in full; reports Kafka redelivers below its offset are skipped as already
  applied (``Pipeline.applied``), their outputs having gone out;
* tagged with a fingerprint of the code version and of every setting and file the
  state was computed with (detector thresholds, referral and offender routing, ...):
  a different fingerprint is not loaded, the worker replays everything instead;
* written in a forked child (copy-on-write), so the stream and the consumer's
  heartbeats do not wait for it; then renamed into place, so a reader never sees half;
* holds personal data: the file is the owner's only (0600) and a retention purge
  deletes it (``forget``) before the rebuilt state goes on; a purge marker after a
  snapshot's offset makes a restart ignore the snapshot (``Stale``).
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import pickle
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkwatch import __version__, packing
from linkwatch.config import Settings
from linkwatch.pipeline import Pipeline

log = logging.getLogger(__name__)

# 10: active referrals, kept victims and near-duplicate summaries are held packed
# (linkwatch/packing.py: its dictionaries' digest is in the fingerprint), resolver block
# keys and near-duplicate keys as 60-bit hashes (issue 21); 9: graph nodes leave None and
# default attributes out, ``persons_of`` holds tuples, an active referral alone is not in
# a tuple, content hashes and referral ids are kept as bytes, resolver block keys as UTF-8
# (issue 21); 8: the state holds
# less per report (issue 21): sets of one report id shared, the near-duplicate index holds
# summaries as JSON, resolver keys of one record hold it alone,
# the graph counts its report nodes rather than keeping every report id, active referrals
# are a tuple of their JSON; 7: AlertBook keeps each key's latest ``Finding``, not a
# ``_Part`` copy of its fields (issue 21); 6: the link stage keeps victims and
# exploitation networks (issue 19); 5: AlertBook keeps each network's parts (issue 19);
# 4: the resolver model gained the "same once folded" name level (issue 18)
FORMAT = 10


class Stale(Exception):
    """The accepted topic has a purge marker past the snapshot: replay from the start."""


@dataclass(frozen=True)
class Loaded:
    pipeline: Pipeline   # ``.reports``: the reports it holds
    offset: int     # the next accepted-topic offset to apply


def path(settings: Settings) -> Path:
    return Path(settings.data_dir) / "snapshots" / f"{settings.app_id}.link.pickle"


def fingerprint(settings: Settings) -> str:
    """What the state depends on besides the accepted topic: the code's version, the
    detector thresholds in effect (file and ``LINKWATCH_DETECTOR_*``), and the settings
    and files the rules read.  Connection settings and tuning are left out."""
    from dataclasses import asdict

    from linkwatch.graph.detectors import load_config

    files = [settings.referral_routing_file, settings.offender_routing_file]
    contents = [Path(f).read_bytes().hex() if f and Path(f).is_file() else None for f in files]
    relevant = settings.model_dump(mode="json", include={
        "app_id", "topic_prefix", "force", "handling", "shared_identifier_min_reporters",
        "shared_identifier_window_days", "hub_ignore", "referral_routing_file",
        "offender_routing_file", "retention_days"})
    detectors = asdict(load_config())
    blob = json.dumps([FORMAT, __version__, packing.digest(), relevant, contents, detectors],
                      sort_keys=True,
                      default=lambda v: sorted(v) if isinstance(v, set | frozenset) else str(v))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def load(settings: Settings) -> Loaded | None:
    """The saved state, or ``None`` (none saved, another fingerprint, unreadable)."""
    file = path(settings)
    if not file.is_file():
        return None
    t0 = time.perf_counter()
    gc.disable()  # unpickling millions of objects: the collector would re-scan them all
    try:
        with file.open("rb") as fh:
            saved = pickle.load(fh)  # noqa: S301 - our own file, 0600, in our data dir
    except Exception as exc:  # noqa: BLE001 - a bad snapshot costs a full replay, no more
        log.warning("snapshot %s unreadable (%s): replaying the accepted topic", file, exc)
        return None
    finally:
        gc.enable()
    if not isinstance(saved, dict) or saved.get("fingerprint") != fingerprint(settings):
        log.info("snapshot %s was made with other code or settings: replaying instead", file)
        return None
    pipeline = saved["pipeline"]
    if not isinstance(pipeline, Pipeline):
        return None
    pipeline.restored(settings)
    gc.freeze()  # the restored state is long-lived: keep it out of every collection
    log.info("snapshot loaded: %d reports up to accepted offset %d in %.1fs",
             pipeline.reports, saved["offset"], time.perf_counter() - t0)
    return Loaded(pipeline, saved["offset"])


def write(pipeline: Any, offset: int, settings: Settings) -> Path:
    """Write the snapshot in this process (the writer child, and tests)."""
    file = path(settings)
    file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = file.with_suffix(f".tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({"format": FORMAT, "fingerprint": fingerprint(settings),
                         "offset": offset, "pipeline": pipeline}, fh, protocol=5)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, file)
    except BaseException:
        tmp.unlink(missing_ok=True)  # half a snapshot is personal data with no use
        raise
    return file


def forget(settings: Settings) -> None:
    """Delete the snapshot (a retention purge: it holds the purged reports)."""
    path(settings).unlink(missing_ok=True)


class Writer:
    """Takes a snapshot every ``settings.snapshot_every`` reports, one at a time, each in
    a forked child; ``0`` turns snapshots off.

    A writer is not started until ``REST`` times as long as the last one took has passed
    since it finished, so writers run at most a quarter of the time.  While one runs,
    every page of the heap the stream touches is copied (copy-on-write; reading an object
    writes its reference count), and a state of 500k reports takes a writer two minutes:
    in the soak at 1,000 reports/s one ran nearly all the time from 200k reports on."""

    REST = 3

    def __init__(self, settings: Settings, applied: int = 0,
                 clock: Any = time.monotonic) -> None:
        self.settings = settings
        self.every = settings.snapshot_every
        self.last = applied      # reports held by the last snapshot (or the loaded one)
        self.child: int | None = None
        self.clock = clock
        self.started = 0.0
        self.rest_until = 0.0    # no writer before this (clock time)

    def due(self, pipeline: Any) -> bool:
        """A snapshot is due, no writer is running and the last one's rest is over."""
        return (0 < self.every <= pipeline.reports - self.last and not self.busy()
                and self.clock() >= self.rest_until)

    def _finished(self) -> None:
        now = self.clock()
        took = now - self.started
        self.rest_until = now + self.REST * took
        log.info("snapshot writer done in %.1f s; the next starts no sooner than %.0f s "
                 "from now", took, self.REST * took)

    def maybe(self, pipeline: Any, offset: int) -> bool:
        """After a published batch: snapshot when due and no writer is running."""
        if not self.due(pipeline):
            return False
        self.started = self.clock()
        if not hasattr(os, "fork"):
            write(pipeline, offset, self.settings)
            self._finished()
        else:
            pid = os.fork()
            if pid == 0:  # the child: write and leave at once (no atexit, no loop)
                code = 0
                try:
                    # background work: the stream keeps the CPU (on 2 cores a snapshot at
                    # 200k reports took a minute and halved the link stage's pace); and no
                    # collections while pickle's memo grows by a tuple per object
                    os.nice(10)
                    gc.disable()
                    write(pipeline, offset, self.settings)
                except BaseException:  # noqa: BLE001
                    code = 1
                os._exit(code)
            self.child = pid
        self.last = pipeline.reports
        log.info("snapshot of %d reports at accepted offset %d started", pipeline.reports, offset)
        return True

    def busy(self) -> bool:
        if self.child is None:
            return False
        pid, status = os.waitpid(self.child, os.WNOHANG)
        if pid == 0:
            return True
        self._finished()
        if os.waitstatus_to_exitcode(status) != 0:
            log.warning("snapshot writer failed (exit %s); the next is due in %d reports",
                        os.waitstatus_to_exitcode(status), self.every)
        self.child = None
        return False

    def wait(self) -> None:
        """Let a running writer finish (before a purge deletes the snapshot)."""
        if self.child is not None:
            os.waitpid(self.child, 0)
            self.child = None
            self._finished()

    def forget(self, applied: int) -> None:
        """A purge: no snapshot may hold purged reports; count again from ``applied``."""
        self.wait()
        forget(self.settings)
        self.last = applied
