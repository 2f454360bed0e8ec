"""Identifier normalisation: the same identifier written two ways is one node.

``canonical(type, value)`` returns a :class:`Canonical` whose ``node_id`` is the
graph node id (``phone:+447700900123``).  A value that cannot be parsed stays as
raw text with ``valid=False`` and ``node_id=None``: it is kept, never linked.

The per-family functions return the canonical value or ``None`` and never raise
(followthemoney ``types/*.py`` style); names and dates return structured values.
"""

from __future__ import annotations

from ._core import RULES, Canonical, canonical, forget_cached, node_prefix, prime, primer
from ._text import ascii_digits, ascii_fold, ascii_name, key_bytes, key_text, name_key, normal_form
from .cyber import crypto_wallet, file_hash, imei
from .dates import age_at, dob, dob_iso
from .finance import bank_account, card, card_hash, iban, mask_card
from .names import NICKNAMES, NameParts, given_canonical, name
from .online import social_handle, username
from .phone import phone
from .place import address, postcode, postcode_area, postcode_outward, vrm
from .web import domain, email, ip, registered_domain, url

__all__ = [
    "NICKNAMES", "RULES", "Canonical", "NameParts", "address", "age_at", "ascii_digits",
    "ascii_fold", "ascii_name", "bank_account", "key_bytes", "key_text", "name_key",
    "normal_form",
    "canonical", "card", "card_hash", "crypto_wallet", "dob", "dob_iso", "domain", "email",
    "file_hash", "forget_cached", "given_canonical", "iban", "imei", "ip", "mask_card", "name",
    "node_prefix", "phone", "postcode", "postcode_area", "postcode_outward", "prime", "primer",
    "registered_domain", "social_handle", "url", "username", "vrm",
]
