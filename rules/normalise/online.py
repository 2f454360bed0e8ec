"""Social-media handles and usernames.

A handle is compared without its ``@`` and without case (X/Twitter, Instagram and
TikTok handles are case-insensitive).  When the platform is known, from a
``platform:`` prefix or a profile URL, it is kept in front (``instagram:jo_bloggs``)
so the same name on two platforms is two nodes; the bare name is in the
``handle`` attribute for looser matching.
"""

from __future__ import annotations

import re

from ._text import key_text, strip_marks

_HANDLE = re.compile(r"^[a-z0-9_.\-]{1,64}$")
_PLATFORMS = {
    "twitter": "x", "x": "x", "twitter.com": "x", "x.com": "x",
    "instagram": "instagram", "instagram.com": "instagram", "ig": "instagram",
    "tiktok": "tiktok", "tiktok.com": "tiktok", "facebook": "facebook",
    "facebook.com": "facebook", "fb": "facebook", "snapchat": "snapchat", "snap": "snapchat",
    "snapchat.com": "snapchat", "telegram": "telegram", "t.me": "telegram",
    "youtube": "youtube", "youtube.com": "youtube", "threads": "threads",
    "threads.net": "threads", "reddit": "reddit", "reddit.com": "reddit",
}
_URL = re.compile(r"^(?:https?://)?(?:www\.|m\.)?([a-z0-9.\-]+)/+(?:u/|user/|add/)?@?([^/?#]+)")


def _split(raw: str) -> tuple[str | None, str]:
    text = key_text(raw)  # full-width ``＠ｊｏ`` is ``@jo``; zero-width characters go
    match = _URL.match(text)
    if match and match.group(1) in _PLATFORMS:
        return _PLATFORMS[match.group(1)], match.group(2)
    prefix, sep, rest = text.partition(":")
    if sep and prefix.strip() in _PLATFORMS:
        return _PLATFORMS[prefix.strip()], rest.strip()
    return None, text


def social_handle(raw: str) -> str | None:
    """``@Jo_Bloggs`` -> ``jo_bloggs``; ``Instagram: @Jo_Bloggs`` and
    ``https://www.instagram.com/jo_bloggs/`` -> ``instagram:jo_bloggs``."""
    if not isinstance(raw, str) or len(raw) > 300:
        return None
    platform, name = _split(raw)
    name = name.strip().lstrip("@").strip()
    if not _HANDLE.match(name):
        return None
    return f"{platform}:{name}" if platform else name


def social_handle_attrs(raw: str, value: str | None) -> dict[str, object]:
    if not value:
        return {}
    platform, _, name = value.rpartition(":")
    return {"handle": name, "platform": platform or None}


def username(raw: str) -> str | None:
    """`` JoBloggs99 `` -> ``jobloggs99``: trimmed, case-folded, accents folded (in its
    own script: ``Иван`` stays ``иван``);
    usernames contain no whitespace, so inner spaces make it invalid."""
    if not isinstance(raw, str) or len(raw) > 200:
        return None
    text = strip_marks(raw)
    if not text or any(c.isspace() for c in text) or not text.isprintable():
        return None
    return text[:128]
