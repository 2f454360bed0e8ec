"""Properties: no normaliser raises on any text; per-call cost stays small."""

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from linkwatch.rules import normalise as n

PLAIN: list[Callable[[str], object]] = [
    n.phone, n.email, n.bank_account, n.iban, n.card, n.url, n.domain, n.ip,
    n.crypto_wallet, n.social_handle, n.imei, n.username, n.file_hash, n.vrm,
    n.postcode, n.postcode_outward, n.postcode_area, n.address, n.dob, n.dob_iso,
    n.name]
KINDS = [*n.RULES, "no-such-kind"]
ANY_TEXT = st.text(max_size=300) | st.from_regex(r"[0-9 +\-@.:/\[\]()a-zA-Z]{0,40}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_no_normaliser_raises(text: str) -> None:
    for fn in PLAIN:
        fn(text)  # returns a value or None; an exception fails the test
    for kind in KINDS:
        c = n.canonical(kind, text)
        assert c.valid == (c.value is not None), c
        assert c.node_id is None or c.node_id.startswith(n.node_prefix(kind) + ":"), c


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.floats(), st.binary(), st.lists(st.text())))
def test_non_text_never_raises(value: object) -> None:
    for fn in PLAIN:
        fn(value)  # type: ignore[arg-type]
    for kind in KINDS:
        assert n.canonical(kind, value).valid in (True, False)  # type: ignore[arg-type]


def test_hot_identifiers_are_parsed_once() -> None:
    # repeats are the common case (deal lines, mule accounts): a repeat is the cached
    # result, not a second parse (its cost is bench/throughput.py's, not a unit test's)
    for kind, values in (("phone", [f"07700 900{i:03d}" for i in range(50)]),
                         ("url", [f"hxxp://login{i}.bank.example.co.uk/verify?id={i}"
                                  for i in range(50)])):
        first = [n.canonical(kind, v) for v in values]
        assert all(c.valid for c in first), kind
        assert all(n.canonical(kind, v) is c for v, c in zip(values, first, strict=True)), kind
    card = "4111 1111 1111 1111"  # never cached: it stays in memory no longer than one call
    assert n.canonical("card", card) is not n.canonical("card", card)
