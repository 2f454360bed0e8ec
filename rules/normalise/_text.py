"""Text helpers shared by the normalisers: the one normal form that keys are made from.

Every key, hash and comparison made from text goes through :func:`normal_form` (and,
where case does not matter, :func:`key_text`):

* **NFKC** (Unicode compatibility composition), not NFC.  NFC alone makes the NFC and NFD
  spellings of ``Seán`` one string; NFKC also folds compatibility forms that a person
  would read as the same thing: full-width digits and letters (``０７７００``, ``ＣＶ１１``,
  common from East Asian keyboards), ligatures (``ﬁ``), superscripts and circled
  numbers.  An identity key wants exactly that.  What it loses (the look of the text)
  is kept anyway in the report's raw value.
* **default-ignorable characters removed**: zero-width space/joiners, word joiner, BOM,
  soft hyphen, the bidi controls (LRM, RLM, LRE..RLO, LRI..PDI, ALM) and variation
  selectors.  They are invisible: two strings that look alike must make one key.
* **case folded** with ``str.casefold`` (full Unicode case folding: ``Straße`` ->
  ``strasse``), not ``lower``; a capital dotted ``İ`` folds to ``i`` (as Turkish and
  Azerbaijani lower-case it), not to ``i`` + combining dot (and that pair, which
  ``str.lower`` makes of it, is ``i`` too).  The dotless ``ı`` stays
  itself in the key; :func:`ascii_fold` makes it ``i``.
* Hashes are over the UTF-8 of the NFKC form without those characters
  (:func:`normal_form`, :func:`key_bytes`); case folding is the key type's own choice
  (an e-mail's is, a Base58 wallet's is not), made before the hash.

:func:`ascii_fold` goes one step further for loose matching (one comparison level below
an exact match, and blocking keys): a transliteration to ASCII by ``anyascii`` (ISC
licence; tables per code point, so ``ł`` -> ``l``, ``ß`` -> ``ss``, ``Nguyễn`` ->
``nguyen``, ``Иван`` -> ``ivan``, ``王`` -> ``wang``), which NFKD plus dropping the
combining marks cannot do (``ł`` and ``ø`` do not decompose; Greek, Cyrillic and CJK
would vanish).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

SPACES = re.compile(r"\s+")
NON_DIGIT = re.compile(r"[^0-9]")
_CACHED_LEN = 256  # longer text (a narrative) is normalised but not remembered
MAX_LEN = 2000  # the contract's Identifier.value limit; longer input is never an identifier

# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties): every format (Cf) character
# and the invisible fillers and variation selectors.  tests/test_unicode_text.py checks
# the table against this Python's ``unicodedata``.
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160"
    "\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]")
_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc\u2018`\u00b4")


def squash(text: str) -> str:
    """Trim and collapse runs of whitespace to one space."""
    return SPACES.sub(" ", text).strip()


def normal_form(text: str) -> str:
    """NFKC with the default-ignorable characters removed: the one form every key and
    hash is made from (``"０７７００\\u200b"`` -> ``"07700"``; NFC and NFD of ``Seán`` ->
    the NFC one).  Case is kept: whether case matters is the identifier's own rule."""
    if text.isascii():  # a shortcut, not an assumption: the same result as below
        return text
    return _normal_form(text) if len(text) <= _CACHED_LEN else _normal_form.__wrapped__(text)


@lru_cache(maxsize=65536)
def _normal_form(text: str) -> str:
    return _IGNORABLE.sub("", unicodedata.normalize("NFKC", text))


def key_text(text: str) -> str:
    """:func:`normal_form`, case folded, whitespace collapsed and trimmed (the module
    docstring): ``"  Sea\\u0301n\\u200b  O'Brien "`` -> ``"seán o'brien"``; ``"ＣＶ１１"``
    -> ``"cv11"``; ``"İZMİR"`` -> ``"izmir"``."""
    if text.isascii():  # a shortcut, not an assumption: the same result as below
        return squash(text.lower())
    return _key_text(text) if len(text) <= _CACHED_LEN else _key_text.__wrapped__(text)


@lru_cache(maxsize=65536)
def _key_text(text: str) -> str:
    form = _normal_form(text).replace("\u0130", "i").casefold()
    # "i" + combining dot above is what str.lower() makes of "İ": the same letter
    return squash(unicodedata.normalize("NFKC", form).replace("i\u0307", "i"))


def key_bytes(text: str) -> bytes:
    """UTF-8 of :func:`normal_form`: what a keyed hash of text is computed over."""
    return normal_form(text).encode("utf-8")


def ascii_fold(text: str) -> str:
    """:func:`key_text`, then transliterated to lower-case ASCII:
    ``"Łukasz Wiśniewski"`` -> ``"lukasz wisniewski"``; ``"Işık"`` -> ``"isik"``."""
    key = key_text(text)
    return key if key.isascii() else _ascii_fold(key)


@lru_cache(maxsize=65536)
def _ascii_fold(key: str) -> str:
    # letters and marks are transliterated; a symbol (emoji) is a space, not ":smile:"
    kept = "".join(ch if unicodedata.category(ch)[0] in "LMN" or ch in " '-" else " "
                   for ch in key)
    return squash(anyascii(kept).lower())


def name_key(text: str) -> str:
    """A personal name as a key, in its own script: letters and combining marks only,
    apostrophes dropped, anything else a space.  ``"Seán O'Brien-Ó Dálaigh"`` ->
    ``"seán obrien ó dálaigh"``; ``"王小明"`` -> ``"王小明"``; ``"Jo3 😀"`` -> ``"jo"``."""
    return _name_key(key_text(text)) if text else ""


@lru_cache(maxsize=65536)
def _name_key(key: str) -> str:
    key = key.translate(_APOSTROPHES)
    return squash("".join(ch if unicodedata.category(ch)[0] in "LM" else " " for ch in key))


def ascii_name(text: str) -> str:
    """:func:`name_key` folded to ASCII letters: ``"Łukasz"`` -> ``"lukasz"``;
    ``"王小明"`` -> ``"wangxiaoming"``."""
    key = name_key(text)
    if not key.isascii():
        key = _ascii_fold(key)
    return squash(re.sub(r"[^a-z ]", " ", key.translate(_APOSTROPHES)))


def strip_marks(text: str) -> str:
    """:func:`key_text` without combining marks, in its own script: ``"Zoë"`` -> ``"zoe"``,
    ``"Łódź"`` -> ``"łodz"`` (``ł`` has no decomposition), ``"Иван"`` stays."""
    key = key_text(text)
    if key.isascii():
        return key
    decomposed = unicodedata.normalize("NFKD", key)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed
                                                if not unicodedata.combining(c)))


def ascii_digits(text: str) -> str:
    """Every decimal digit of any script as its ASCII digit, the rest unchanged:
    ``"０７７００"`` and ``"٠٧٧٠٠"`` -> ``"07700"``."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch
                   for ch in unicodedata.normalize("NFKC", text))


def digits(text: str) -> str:
    """Only the digits of ``text``, as ASCII (``"12-34-56"`` -> ``"123456"``)."""
    return NON_DIGIT.sub("", ascii_digits(text))


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
