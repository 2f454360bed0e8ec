"""The link stage tunes Python's collector for its heap (``pipeline.GC_THRESHOLDS``):
small young collections, full ones from its own settle step.  A pipeline restored
from a snapshot does the same."""

from __future__ import annotations

import gc
import pickle
from collections.abc import Iterator

import pytest

from linkwatch.config import Settings
from linkwatch.pipeline import GC_THRESHOLDS, Pipeline


@pytest.fixture
def default_collector() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


@pytest.mark.usefixtures("default_collector")
def test_new_and_restored_pipelines_tune_the_collector() -> None:
    settings = Settings()
    pipeline = Pipeline(settings)
    assert gc.get_threshold() == GC_THRESHOLDS
    gc.set_threshold(700, 10, 10)
    restored = pickle.loads(pickle.dumps(pipeline))  # noqa: S301 - our own bytes
    restored.restored(settings)
    assert gc.get_threshold() == GC_THRESHOLDS
