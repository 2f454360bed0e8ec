"""Small text helpers shared by the normalisers (no identifier logic here).

Diacritic folding follows the Unicode NFKD decomposition recipe from the Python
documentation (https://docs.python.org/3/library/unicodedata.html).
"""

from __future__ import annotations

import re
import unicodedata

SPACES = re.compile(r"\s+")
NON_ALNUM = re.compile(r"[^0-9A-Za-z]")
NON_DIGIT = re.compile(r"\D")
MAX_LEN = 2000  # the contract's Identifier.value limit; longer input is never an identifier


def squash(text: str) -> str:
    """Trim and collapse runs of whitespace to one space."""
    return SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """``"Zoë Ó Briain"`` -> ``"Zoe O Briain"``: strip combining marks after NFKD."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def digits(text: str) -> str:
    """Only the ASCII digits of ``text`` (``"12-34-56"`` -> ``"123456"``)."""
    return NON_DIGIT.sub("", text)


def refang(text: str) -> str:
    """Undo common indicator defanging: ``hxxp``, ``[.]``, ``(.)``, ``[:]``, ``[at]``.

    Conventions as used in threat-intelligence feeds (e.g. ioc-fanger's rule list).
    """
    out = text.strip()
    for old, new in (("[.]", "."), ("(.)", "."), ("{.}", "."), ("[dot]", "."), ("(dot)", "."),
                     ("[:]", ":"), ("[://]", "://"), ("[@]", "@"), ("[at]", "@"), ("(at)", "@")):
        out = out.replace(old, new)
    lowered = out[:8].lower()
    for old, new in (("hxxps", "https"), ("hxxp", "http"), ("hxps", "https"), ("fxp", "ftp")):
        if lowered.startswith(old):
            out = new + out[len(old):]
            break
    return out
