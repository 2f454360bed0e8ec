"""The rule machinery: ordered levels per service, checked when the table is built.

Like splink's ``comparison_library``, a table is data: for each service, a scope and ordered
levels; the first level whose test returns words decides.  ``RuleTable`` refuses, at import, a
table with a level lacking a docstring example, an unknown service or basis, no final 'otherwise'
level, or a consent-based referral not preceded by its refusal check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar, get_args

from linkwatch.schemas.outputs import VictimService

from ._config import SERVICES
from ._errors import ReferralRuleError
from ._facts import Facts

Test = Callable[[Facts], str | None]
Basis = Literal["consent", "no_consent_needed", "duty_to_notify"]
Priority = Literal["standard", "enhanced", "urgent"]
BASES: tuple[str, ...] = get_args(Basis)
LEVELS = ("urgent", "enhanced")
PriorityResult = tuple[Priority, tuple[str, ...], tuple[str, ...]]  # level, rules fired, reasons


F = TypeVar("F")  # the facts a table's tests read: victim ``Facts`` or ``OffenderFacts``


@dataclass(frozen=True)
class Level(Generic[F]):
    """One outcome: when ``test`` returns words, the service is (not) referred on ``basis``.
    Shared with the offender diversion table (``rules.offenders``)."""

    test: Callable[[F], str | None]
    referred: bool
    basis: Basis
    otherwise: bool = False

    @property
    def name(self) -> str:
        return self.test.__name__


@dataclass(frozen=True)
class ServiceRules:
    service: VictimService
    scope: Test                       # words when the service is considered at all
    levels: tuple[Level, ...]
    notes: tuple[Test, ...] = ()      # extra reasons, e.g. the fraud support level
    guard: Test | None = None         # the refusal check that must precede any consent referral


@dataclass(frozen=True)
class PriorityRule:
    test: Test
    level: str

    @property
    def name(self) -> str:
        return self.test.__name__


def _has_example(test: Test) -> bool:
    return "Example:" in (test.__doc__ or "")


class RuleTable:
    """Validated rules for every service, plus the priority rules; built once at import."""

    def __init__(self, services: Sequence[ServiceRules], priority: Sequence[PriorityRule]) -> None:
        problems: list[str] = []
        names = [s.service for s in services]
        if sorted(names) != sorted(SERVICES):
            problems.append(f"services {names} must be exactly {list(SERVICES)}")
        for block in services:
            problems += self._check_block(block)
        seen_enhanced = False
        for rule in priority:
            if rule.level not in LEVELS:
                problems.append(f"priority rule {rule.name}: level {rule.level!r} not in {LEVELS}")
            if rule.level == "enhanced":
                seen_enhanced = True
            elif seen_enhanced:
                problems.append(f"priority rule {rule.name}: urgent rules must come first")
            if not _has_example(rule.test):
                problems.append(f"priority rule {rule.name}: docstring has no 'Example:'")
        if problems:
            raise ReferralRuleError("referral rule table is malformed: " + "; ".join(problems))
        self.services = tuple(services)
        self.priority = tuple(priority)

    @staticmethod
    def _check_block(block: ServiceRules) -> list[str]:
        where = f"service {block.service}"
        problems: list[str] = []
        if not block.levels or not block.levels[-1].otherwise:
            problems.append(f"{where}: the last level must be an 'otherwise' level")
        if any(level.otherwise for level in block.levels[:-1]):
            problems.append(f"{where}: only the last level may be 'otherwise'")
        level_names = [level.name for level in block.levels]
        if len(set(level_names)) != len(level_names):
            problems.append(f"{where}: repeated level names {level_names}")
        tests = [lv.test for lv in block.levels]
        consent_at = [i for i, lv in enumerate(block.levels)
                      if lv.referred and lv.basis == "consent"]
        if consent_at and (block.guard not in tests or tests.index(block.guard) > consent_at[0]):
            problems.append(f"{where}: refers on consent, so a refusal guard level must come "
                            "before it (a declined victim is never referred)")
        for test in (block.scope, *(lv.test for lv in block.levels), *block.notes):
            if not _has_example(test):
                problems.append(f"{where}: {test.__name__} docstring has no 'Example:'")
        for level in block.levels:
            if level.basis not in BASES:
                problems.append(f"{where}: {level.name} basis {level.basis!r} not in {BASES}")
        return problems

    def first(self, block: ServiceRules, facts: Facts) -> tuple[Level, str]:
        """The deciding level and its words (the 'otherwise' level always answers)."""
        for level in block.levels:
            words = level.test(facts)
            if words:
                return level, words
        last = block.levels[-1]
        return last, last.name.replace("_", " ")

    def priority_of(self, facts: Facts) -> PriorityResult:
        """(priority, rule names fired, reasons); 'standard' when none fires."""
        fired = [(rule, words) for rule in self.priority if (words := rule.test(facts))]
        if not fired:
            return "standard", (), ("standard priority: no enhanced-rights criterion found",)
        level: Priority = "urgent" if any(r.level == "urgent" for r, _ in fired) else "enhanced"
        return level, tuple(r.name for r, _ in fired), tuple(w for _, w in fired)
