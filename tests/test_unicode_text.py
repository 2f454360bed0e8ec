"""Text in every script (issue 18): one normal form for keys and hashes, and the cases
that used to break or split an identity, one test each.

The normal form is ``rules/normalise/_text.py``'s: NFKC, default-ignorable characters
(zero-width, bidi controls, variation selectors) removed, ``casefold`` for keys where
case does not matter; keyed hashes over its UTF-8.
"""

from __future__ import annotations

import hashlib
import hmac
import sys
import unicodedata
from datetime import date
from types import SimpleNamespace

import pytest

from linkwatch.rules import neardup
from linkwatch.rules.normalise import (
    ascii_fold,
    ascii_name,
    bank_account,
    canonical,
    card,
    card_hash,
    email,
    iban,
    imei,
    key_bytes,
    key_text,
    name,
    name_key,
    normal_form,
    phone,
    postcode,
    social_handle,
    username,
    vrm,
)
from linkwatch.rules.normalise._text import _IGNORABLE
from linkwatch.rules.normalise.finance import DEV_HASH_KEY
from linkwatch.rules.offenders import offender_key
from linkwatch.rules.resolve import InMemoryIndex, Resolver, to_record
from linkwatch.schemas import ReportAdapter
from linkwatch.schemas.report import AnyReport

NFC_SEAN = unicodedata.normalize("NFC", "Seán O'Brien")
NFD_SEAN = unicodedata.normalize("NFD", "Seán O'Brien")


# ---- the normal form ----------------------------------------------------------------

def test_nfc_and_nfd_of_one_name_make_one_key_and_one_hash() -> None:
    assert NFC_SEAN != NFD_SEAN  # two strings ...
    assert key_text(NFC_SEAN) == key_text(NFD_SEAN) == "seán o'brien"  # ... one key
    assert name_key(NFC_SEAN) == name_key(NFD_SEAN) == "seán obrien"
    assert key_bytes(NFC_SEAN) == key_bytes(NFD_SEAN)
    assert card_hash(NFC_SEAN) == card_hash(NFD_SEAN)


def test_every_format_character_is_ignorable_in_keys() -> None:
    """Zero-width space/joiners, BOM, soft hyphen, LRM/RLM, the embedding, override and
    isolate controls: every Cf character of this Python's Unicode is dropped."""
    fmt = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    missed = [f"U+{ord(c):04X}" for c in fmt if _IGNORABLE.sub("", c)]
    assert not missed, missed
    assert len(fmt) > 150  # the scan really ran (163 in Unicode 14)


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
                                       "\u00ad", "\u200e", "\u200f", "\u202e", "\u2066",
                                       "\u2069", "\ufe0f"])
def test_an_invisible_character_inside_a_name_is_ignored(invisible: str) -> None:
    spelled = f"Łuk{invisible}asz Wiś{invisible}niewski"
    assert name_key(spelled) == name_key("Łukasz Wiśniewski") == "łukasz wiśniewski"
    assert name(spelled) == name("Lukasz Wisniewski")


def test_turkish_dotted_and_dotless_i() -> None:
    # capital dotted I lower-cases to i (as Turkish does), not to i + combining dot
    assert key_text("İZMİR") == key_text("izmir") == "izmir"
    assert "\u0307" not in key_text("İbrahim")
    # the dotless i is its own letter in the key; folded to ASCII it is i
    assert key_text("Işık") == "işık" != key_text("ISIK")
    assert ascii_fold("Işık") == ascii_fold("IŞIK") == ascii_fold("isik") == "isik"
    assert username("İbrahim") == "ibrahim"


def test_casefold_not_lower() -> None:
    assert key_text("STRASSE") == key_text("Straße") == "strasse"
    assert key_text("ΣΊΣΥΦΟΣ") == key_text("σίσυφος")  # final sigma folds to sigma


@pytest.mark.parametrize(("raw", "folded"), [
    ("Łukasz Wiśniewski", "lukasz wisniewski"),  # ł does not decompose under NFD
    ("Zażółć gęślą jaźń", "zazolc gesla jazn"),
    ("Ștefan Țăran", "stefan taran"),
    ("Müller Muñoz Strauß", "muller munoz strauss"),
    ("Siobhán Ní Bhraonáin", "siobhan ni bhraonain"),
    ("Siân Ŵyn Ŷr", "sian wyn yr"),
    ("Nguyễn Văn Minh", "nguyen van minh"),
    ("Αλέξανδρος", "alexandros"),
    ("Иван Петров", "ivan petrov"),
    ("王小明", "wangxiaoming"),
    ("やまだ", "yamada"),
])
def test_ascii_name_transliterates_every_script(raw: str, folded: str) -> None:
    assert ascii_name(raw) == folded


def test_emoji_and_symbols_are_not_letters() -> None:
    assert name_key("Jo 😀 Smith") == "jo smith"
    assert ascii_name("😀") == "" and name("😀") is None  # no name, not ":grinning:"
    assert name_key("👩‍👩‍👧‍👦") == ""


def test_arabic_and_hebrew_names_keep_a_key_and_fold_to_latin() -> None:
    for raw in ("محمد علي", "דוד כהן", "\u202bדוד כהן\u202c"):
        assert name_key(raw) and ascii_name(raw), raw
    assert name_key("\u202bדוד כהן\u202c") == name_key("דוד כהן")  # bidi embedding ignored


# ---- the reported crash and its hash ----------------------------------------------

def test_card_hash_takes_any_text_and_a_card_number_hashes_as_before() -> None:
    """The near-duplicate victim key hashed ``name|dob`` encoded as ASCII: the first
    ``ł`` raised UnicodeEncodeError and crashed the intake agent (issue 18)."""
    assert len(card_hash("name_dob:łukasz|wiśniewski|1980-05-06")) == 64
    old = hmac.new(DEV_HASH_KEY.encode(), b"4111111111111111", hashlib.sha256).hexdigest()
    assert card_hash("4111111111111111", DEV_HASH_KEY) == old  # stored hashes still meet
    assert card_hash("Jo@X.com") != card_hash("jo@x.com")  # case is the key type's choice


def _fraud(victim: dict) -> AnyReport:
    return ReportAdapter.validate_python({
        "report_id": "U-1", "kind": "fraud", "reported_at": "2026-11-24T10:00:00+00:00",
        "persons": [{"person_ref": "v1", "role": "victim", "dob": "1980-05-06", **victim}]})


def test_the_near_duplicate_fingerprint_of_a_polish_name_is_the_ascii_spellings() -> None:
    polish = neardup.fingerprint(_fraud({"name": "Łukasz Wiśniewski"}))
    plain = neardup.fingerprint(_fraud({"name": "Lukasz Wisniewski"}))
    assert polish["summary"]["victims"] == plain["summary"]["victims"] != []
    nfd = neardup.fingerprint(_fraud({"name": NFD_SEAN}))
    assert nfd["summary"]["victims"] == neardup.fingerprint(
        _fraud({"name": "Sean OBrien"}))["summary"]["victims"]


def test_offender_key_of_one_person_in_two_spellings_is_one_key() -> None:
    a = SimpleNamespace(name="Łukasz Wiśniewski", dob=date(1980, 5, 6), person_ref="s1")
    b = SimpleNamespace(name="LUKASZ WISNIEWSKI", dob=date(1980, 5, 6), person_ref="s1")
    c = SimpleNamespace(name="Lukasz Wisniewski", dob=date(1981, 5, 6), person_ref="s1")
    assert offender_key(a) == offender_key(b) != offender_key(c)


# ---- identifiers: other digits, full-width forms, invisible characters ---------------

@pytest.mark.parametrize("raw", ["０７７００ ９００１２３", "٠٧٧٠٠٩٠٠١٢٣", "۰۷۷۰۰۹۰۰۱۲۳",
                                 "07700\u200b900123", "\u202a07700 900123\u202c",
                                 "＋４４ ７７００ ９００１２３"])
def test_phone_digits_of_any_form_give_one_e164(raw: str) -> None:
    assert phone(raw) == "+447700900123"
    assert canonical("phone", raw).node_id == "phone:+447700900123"


@pytest.mark.parametrize(("fn", "raw", "expected"), [
    # the account normaliser used to make a node id of full-width digits
    (bank_account, "１２-３４-５６ １２３４５６７８", "123456-12345678"),
    (bank_account, "١٢-٣٤-٥٦ ١٢٣٤٥٦٧٨", "123456-12345678"),
    (iban, "ＧＢ８２ ＷＥＳＴ １２３４ ５６９８ ７６５４ ３２", "GB82WEST12345698765432"),
    (imei, "４９０１５４２０３２３７５１８", "490154203237518"),
    (postcode, "ＣＶ１１ ４ＡＢ", "CV11 4AB"),
    (postcode, "cv11\u200b 4ab", "CV11 4AB"),
    (vrm, "ＡＢ１２ ＣＤＥ", "AB12CDE"),
    (email, "jo\u200b@example.com", "jo@example.com"),
    (email, "ＪＯ＠ＥＸＡＭＰＬＥ．ＣＯＭ", "jo@example.com"),
    (email, "Łukasz@Example.PL", "łukasz@example.pl"),  # RFC 6531 local part
    (social_handle, "＠Ｊｏ_Bloggs", "jo_bloggs"),
    (username, "ＪｏＢｌｏｇｇｓ", "jobloggs"),
    (username, "Иван", "иван"),  # kept in its own script
])
def test_identifiers_read_from_the_normal_form(fn, raw: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert fn(raw) == expected


def test_full_width_card_digits_hash_like_ascii_ones() -> None:
    assert card("４１１１ １１１１ １１１１ １１１１") == card("4111 1111 1111 1111") is not None


@pytest.mark.parametrize(("fn", "raw"), [
    (vrm, "AB12 ÇDE"),  # was AB12DE: a letter of another script silently dropped
    (postcode, "CV11 4ÅB"),
    (email, "x\n@example.com"),  # a trailing newline passed the local-part pattern
])
def test_a_letter_of_another_script_is_refused_not_dropped(fn, raw: str) -> None:  # type: ignore[no-untyped-def]
    assert fn(raw) is None


def test_normal_form_keeps_case_and_drops_invisibles() -> None:
    assert normal_form("Ａb\u200bC") == "AbC"
    assert normal_form("０７７００\u200b") == "07700"
    assert key_text("  Sea\u0301n\u200b  O'Brien ") == "seán o'brien"  # the docstring's


# ---- entity resolution across spellings and scripts -----------------------------------

@pytest.mark.parametrize(("a", "b"), [
    ("Łukasz Wiśniewski", "Lukasz Wisniewski"),
    ("Nguyễn Văn Minh", "Nguyen Van Minh"),
    ("Seán O'Brien", "Sean OBrien"),
    (NFD_SEAN, "Sean O’Brien"),
    ("Siân Ŵyn", "Sian Wyn"),
    ("Işık Yılmaz", "ISIK YILMAZ"),
    ("Иван Петров", "Ivan Petrov"),
])
def test_one_person_in_two_spellings_with_one_dob_is_one_entity(a: str, b: str) -> None:
    resolver = Resolver(InMemoryIndex())
    when = "2026-11-01T00:00:00+00:00"
    first = resolver.resolve({"person_ref": "p1", "name": a, "dob": "1980-05-06"}, "R1", when)
    same = resolver.resolve({"person_ref": "p1", "name": b, "dob": "1980-05-06"}, "R2", when)
    other = resolver.resolve({"person_ref": "p1", "name": b, "dob": "1975-11-23"}, "R3", when)
    assert same.matched and same.entity_id == first.entity_id, same.reasons
    assert other.entity_id != first.entity_id, other.reasons  # folded name, other DOB


def test_folding_is_a_level_below_exact() -> None:
    resolver = Resolver(InMemoryIndex())
    when = "2026-11-01T00:00:00+00:00"
    resolver.resolve({"person_ref": "p1", "name": "Łukasz Wiśniewski", "dob": "1980-05-06"},
                     "R1", when)
    exact = resolver.explain({"person_ref": "p1", "name": "Łukasz Wiśniewski",
                              "dob": "1980-05-06"}, "R2", when)
    folded = resolver.explain({"person_ref": "p1", "name": "Lukasz Wisniewski",
                               "dob": "1980-05-06"}, "R3", when)
    # exact: given 6.304 + family 8.662 + dob 13.103 = 28.07
    # folded: 5.644 (log2 0.01/0.0002) + 7.644 (log2 0.01/0.00005) + 13.103 = 26.39
    assert exact.score == pytest.approx(28.07, abs=0.01), exact.reasons
    assert folded.score == pytest.approx(26.39, abs=0.01), folded.reasons
    assert any("same once folded to ASCII" in r for r in folded.reasons)


def test_a_name_in_another_script_is_kept_in_the_record() -> None:
    """The old fold (NFKD, then encode ASCII ignoring errors) made these names empty."""
    for raw in ("王小明", "محمد علي", "Αλέξανδρος Παπαδόπουλος", "דוד כהן"):
        record = to_record({"person_ref": "p1", "name": raw}, "R1", "2026-11-01")
        assert record.names and any(record.names[0]), (raw, record)


# ---- controlled words (flags, categories, weapons, forces) read from the normal form --

def test_lower_of_a_turkish_capital_i_is_the_same_word() -> None:
    assert "KNİFE".lower() != "knife"  # i + combining dot above
    assert key_text("KNİFE".lower()) == key_text("KNİFE") == "knife"


def test_a_full_width_or_turkish_cased_flag_is_still_the_flag() -> None:
    from linkwatch.rules.enrich.vulnerability import vulnerability

    for flag in ("ＶＵＬＮＥＲＡＢＬＥ", "VULNERABLE\u200b", "Mental Health", "MİSSİNG_EPİSODE"):
        person = SimpleNamespace(flags=[flag], dob=None, age=None)
        assert vulnerability(person).flags, flag


def test_a_weapon_and_a_force_written_another_way_are_read() -> None:
    from linkwatch.graph.detectors.incidents import _knife
    from linkwatch.rules.enrich.geography import force_key

    assert _knife({"weapons": ["KİTCHEN KNİFE"]}) and _knife({"markers": ["ｋｎｉｆｅ"]})
    assert force_key("ＷＡＲＷＩＣＫＳＨＩＲＥ Police") == force_key("Warwickshire Police")


def test_full_width_codes_are_the_codes() -> None:
    from linkwatch.rules.enrich.geography import force_for_lsoa
    from linkwatch.rules.enrich.harm import _code_key

    assert force_for_lsoa("Ｅ０１０３１０１９") == force_for_lsoa("E01031019") is not None
    assert _code_key("００８ｌ") == _code_key("008L") == "8L"
    assert canonical("unknown_kind", " Ａ\u200bB  c ").value == "ab c"


def test_a_marker_the_schema_lower_cased_from_a_turkish_capital_i_is_still_the_marker() -> None:
    """``schemas`` lower-cases markers (``str.lower``: ``İ`` -> ``i`` + U+0307); the rules
    read them through ``key_text``, which makes that pair ``i``."""
    from linkwatch.rules.enrich.vulnerability import vulnerability

    report = _fraud({"name": "x"})
    report.markers = ["STALKİNG".lower(), "ｃｏｕｎｔｙ＿ｌｉｎｅｓ"]
    person = SimpleNamespace(flags=[], dob=None, age=None)
    assert vulnerability(person, report).markers == ("county_lines", "stalking")


def test_an_identifier_in_other_digits_is_the_same_identifier() -> None:
    a = to_record({"person_ref": "p1", "name": "x",
                   "identifiers": [{"type": "National ID", "value": "AB ١٢٣"}]}, "R1", None)
    b = to_record({"person_ref": "p1", "name": "x",
                   "identifiers": [{"type": "national_id", "value": "ＡＢ１２３"}]}, "R2", None)
    assert a.ids == b.ids == ("national_id:ab123",)
