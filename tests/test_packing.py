"""The documents the link state holds packed (linkwatch/packing.py) come back byte for
byte, whatever they hold, and a snapshot packed with other dictionaries is not loaded."""

from __future__ import annotations

import os

import orjson
import pytest

from linkwatch import packing, snapshot
from linkwatch.config import Settings

BODIES = [
    b"",
    b"{}",
    b"~",
    orjson.dumps({"name": "Zoë Ørsted-Nguyễn", "note": "👩‍👩‍👧 وقت", "ids": ["\u200d", "\x00"]}),
    orjson.dumps({"report_id": "R;1", "persons": [{"name": "陈伟"}] * 200}),  # long, repetitive
    os.urandom(70_000),  # nothing to find in it, and longer than LZ4's 64 KB window
]


@pytest.mark.parametrize("packer", [packing.REFERRAL, packing.VICTIMS, packing.SUMMARY])
@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_what_is_packed_unpacks_byte_for_byte(packer: packing.Packer, body: bytes) -> None:
    packed = packer.pack(body)
    assert packer.unpack(packed) == body
    assert type(packed) is bytes


def test_a_body_unpacked_with_another_dictionary_fails_or_differs() -> None:
    body = packing.REFERRAL.vocabulary[-300:]  # all of it found in the dictionary
    packed = packing.REFERRAL.pack(body)
    assert len(packed) < len(body) // 4
    try:
        other = packing.VICTIMS.unpack(packed)
    except Exception:  # noqa: BLE001 - LZ4 may refuse it outright
        return
    assert other != body


def test_the_snapshot_fingerprint_names_the_dictionaries(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    settings = Settings(app_id="packing-fingerprint")
    before = snapshot.fingerprint(settings)
    assert snapshot.fingerprint(settings) == before
    monkeypatch.setattr(packing.SUMMARY, "vocabulary", packing.SUMMARY.vocabulary + b"x")
    assert snapshot.fingerprint(settings) != before
