"""Who is acting, to whom and why: every command that discloses, alters or erases personal data
names a person, and a disclosure names its recipient and purpose (DPA 2018 s.62: the logs of
disclosure must show who disclosed, to whom, and the justification; erasure logs who erased).

There is no fallback: not the login name (a shared service account names nobody), not
"unknown". ``--operator NAME`` or ``LINKWATCH_USER`` names the operator.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

import typer

OPERATOR_ENV = "LINKWATCH_USER"
MAX_LEN = 200

OperatorOption = Annotated[str | None, typer.Option(
    "--operator", metavar="NAME",
    help=f"who is running this, recorded in the audit log (default: ${OPERATOR_ENV}); "
         "required: no fallback to the login name")]


class OperatorError(ValueError):
    """A command that needs a named operator, recipient or purpose was not given one."""


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        return None
    return value or None


def identified_operator(flag: str | None, configured: str | None) -> str:
    """The operator named by ``--operator``, else by ``LINKWATCH_USER`` (``configured``,
    i.e. ``Settings.user``); ``OperatorError`` if neither names one, or the name is blank,
    "unknown", has control characters or is over 200 characters."""
    for value, source in ((flag, "--operator"), (configured, OPERATOR_ENV)):
        if value is None or not value.strip():
            continue
        name = _clean(value)
        if name is None or len(name) > MAX_LEN or name.lower() == "unknown":
            raise OperatorError(f"{source} must name the person running this (1-{MAX_LEN} "
                                f"printable characters, not 'unknown'), e.g. 'PC 1234 Smith': "
                                f"give --operator NAME or set {OPERATOR_ENV}")
        return name
    raise OperatorError(f"this command discloses or erases personal data, so the audit log must "
                        f"name who ran it: give --operator NAME or set {OPERATOR_ENV} "
                        f"(DPA 2018 s.62)")


def required_text(value: str | None, option: str, what: str) -> str:
    """A recipient or purpose the law asks for: 1-200 printable characters."""
    text = _clean(value)
    if text is None or len(text) > MAX_LEN:
        raise OperatorError(f"{option} is required: {what} (1-{MAX_LEN} printable characters; "
                            "DPA 2018 s.62 logs every disclosure with its recipients and "
                            "justification)")
    return text


__all__ = ["OPERATOR_ENV", "OperatorError", "OperatorOption", "identified_operator",
           "required_text"]
