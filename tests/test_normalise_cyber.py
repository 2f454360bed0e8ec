"""Wallets, file hashes, IMEIs, handles and usernames (rules/normalise/cyber.py, online.py)."""

import pytest

from linkwatch.rules.normalise import canonical

CASES = [
    # type, raw, expected, why
    ("crypto_wallet", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
     "BTC P2PKH, Base58 case kept"),
    ("crypto_wallet", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
     "BTC P2SH"),
    ("crypto_wallet", "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ",
     "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "bech32 is case-insensitive: lower"),
    ("crypto_wallet", "bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?amount=0.1",
     "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "BIP 21 URI"),
    ("crypto_wallet", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", None, "Base58Check checksum fails"),
    ("crypto_wallet", "0x52908400098527886E0F7030069857D2E4169EE7",
     "0x52908400098527886e0f7030069857d2e4169ee7", "ETH: 0x + 40 hex, lower"),
    ("crypto_wallet", "0x5290840009852788", None, "ETH too short (16 hex, not 40)"),
    ("crypto_wallet", "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf", "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf",
     "other chain (Tron-like) kept as text"),
    ("file_hash", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e",
     "md5: 32 hex"),
    ("file_hash", "sha1:DA39A3EE5E6B4B0D3255BFEF95601890AFD80709",
     "da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1 prefix, 40 hex"),
    ("file_hash", "d41d8cd98f00b204e9800998ecf8427", None, "31 hex: no algorithm"),
    ("file_hash", "g41d8cd98f00b204e9800998ecf8427e", None, "not hex"),
    ("device_imei", "35-209900-176148-1", "352099001761481", "15 digits, Luhn ok"),
    ("device_imei", "352099001761482", None, "check digit wrong"),
    ("device_imei", "35209900176148", None, "14 digits"),
    ("social_handle", "@Jo_Bloggs", "jo_bloggs", "@ and case dropped"),
    ("social_handle", "Instagram: @Jo_Bloggs", "instagram:jo_bloggs", "platform prefix kept"),
    ("social_handle", "https://www.tiktok.com/@jo.bloggs?lang=en", "tiktok:jo.bloggs",
     "profile URL"),
    ("social_handle", "twitter:@jo", "x:jo", "twitter is now x"),
    ("social_handle", "@jo bloggs", None, "space in a handle"),
    ("username", "  JoBloggs99 ", "jobloggs99", "trim, case-fold"),
    ("username", "Zoë_1", "zoe_1", "diacritics folded"),
    ("username", "jo bloggs", None, "whitespace inside"),
]


@pytest.mark.parametrize(("kind", "raw", "expected", "why"), CASES)
def test_identifier(kind: str, raw: str, expected: str | None, why: str) -> None:
    c = canonical(kind, raw)
    assert (c.value, c.valid) == (expected, expected is not None), f"{kind} {raw!r}: {why}"


def test_attrs() -> None:
    assert canonical("crypto_wallet", "0x" + "a" * 40).attrs == {"chain": "eth"}
    assert canonical("file_hash", "a" * 64).attrs == {"algorithm": "sha256"}
    assert canonical("social_handle", "ig:@jo").attrs == {"handle": "jo", "platform": "instagram"}
