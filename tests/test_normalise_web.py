"""E-mails, URLs, domains and IPs (rules/normalise/web.py)."""

import socket

import pytest

from linkwatch.rules.normalise import canonical, domain, email, ip, registered_domain, url

EMAILS = [
    (" John.Smith@Example.COM ", "john.smith@example.com", "case and whitespace"),
    ("mailto:jo@example.org?subject=hi", "jo@example.org", "mailto: and its query"),
    ("<jo@example.org>", "jo@example.org", "angle brackets"),
    ("jo[at]example[.]org", "jo@example.org", "defanged"),
    ("j.o+shop@gmail.com", "j.o+shop@gmail.com", "provider rules off by default"),
    ("jo@@example.org", None, "two @"),
    ("jo@localhost", None, "host without a dot"),
    ("jo..x@example.org", None, "consecutive dots in the local part"),
    ("not an email", None, "no @"),
]


@pytest.mark.parametrize(("raw", "expected", "why"), EMAILS)
def test_email(raw: str, expected: str | None, why: str) -> None:
    assert email(raw) == expected, f"{raw!r}: {why}"


def test_gmail_provider_rules_flag() -> None:
    assert email("J.O.Bloggs+shop@googlemail.com", provider_rules=True) == "jobloggs@gmail.com"


URLS = [
    ("hxxp://Evil[.]EXAMPLE.com:80/Login?x=1#top", "http://evil.example.com/Login?x=1",
     "refang, lower host, drop default port and fragment, keep path case"),
    ("HTTPS://bank.example.co.uk", "https://bank.example.co.uk/", "empty path is /"),
    ("bank.example.co.uk/verify", "http://bank.example.co.uk/verify", "bare host gets http"),
    ("https://example.com:8443/a", "https://example.com:8443/a", "non-default port kept"),
    ("http://192.0.2.7/x", "http://192.0.2.7/x", "IP host"),
    ("http://bücher.example/", "http://xn--bcher-kva.example/", "IDNA host"),
    ("javascript:alert(1)", None, "not a web scheme"),
    ("http://exa mple.com/", None, "space in host"),
    ("http://", None, "no host"),
]


@pytest.mark.parametrize(("raw", "expected", "why"), URLS)
def test_url(raw: str, expected: str | None, why: str) -> None:
    assert url(raw) == expected, f"{raw!r}: {why}"


REGISTERED = [
    ("login.secure.bank.example.co.uk", "example.co.uk", "co.uk is a public suffix"),
    ("www.example.com", "example.com", ""),
    ("a.b.example.gov.uk", "example.gov.uk", "gov.uk is a public suffix"),
]


@pytest.mark.parametrize(("host", "expected", "why"), REGISTERED)
def test_registered_domain(host: str, expected: str, why: str) -> None:
    assert registered_domain(host) == expected, why


def test_url_attrs_carry_registered_domain() -> None:
    c = canonical("url", "https://login.bank.example.co.uk/x")
    assert c.attrs == {"host": "login.bank.example.co.uk", "registered_domain": "example.co.uk"}


def test_tldextract_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    from linkwatch.rules.normalise import web

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    web._extractor.cache_clear()
    for name in ("create_connection", "getaddrinfo"):
        monkeypatch.setattr(socket, name, refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert registered_domain("a.example.org.uk") == "example.org.uk"


DOMAINS = [
    ("WWW.Example.CO.UK.", "www.example.co.uk", "case and trailing dot"),
    ("evil[.]example[.]com", "evil.example.com", "defanged [.]"),
    ("Bücher.CH", "xn--bcher-kva.ch", "IDNA (UTS 46) punycode"),
    ("-bad-.example.com", None, "label starts with a hyphen"),
    ("localhost", None, "no dot"),
    ("10.0.0.1", None, "an IP, not a domain"),
    ("http://example.com", None, "a URL, not a domain"),
]


@pytest.mark.parametrize(("raw", "expected", "why"), DOMAINS)
def test_domain(raw: str, expected: str | None, why: str) -> None:
    assert domain(raw) == expected, f"{raw!r}: {why}"


IPS = [
    # raw, canonical, private, reserved
    ("10.0.0.1", "10.0.0.1", True, False),  # RFC 1918
    ("8.8.8.8", "8.8.8.8", False, False),  # public
    ("127.0.0.1", "127.0.0.1", True, True),  # loopback counts as reserved here
    ("192[.]0[.]2[.]7", "192.0.2.7", True, False),  # TEST-NET-1, defanged; private in ipaddress
    ("2001:DB8:0:0:0:0:0:1", "2001:db8::1", True, False),  # compressed, lower
    ("::ffff:8.8.4.4", "8.8.4.4", False, False),  # IPv4-mapped -> IPv4
    ("[2a00:1450::1]", "2a00:1450::1", False, False),  # brackets dropped
]


@pytest.mark.parametrize(("raw", "expected", "private", "reserved"), IPS)
def test_ip(raw: str, expected: str, private: bool, reserved: bool) -> None:
    c = canonical("ip", raw)
    assert (c.value, c.attrs["private"], c.attrs["reserved"]) == (expected, private, reserved), c


@pytest.mark.parametrize("raw", ["256.1.1.1", "010.0.0.1", "1.2.3", "abc", ""])
def test_bad_ip(raw: str) -> None:
    assert ip(raw) is None, raw
