"""The referral rules, as data: per service a scope and ordered levels; then priority rules.

Read top to bottom, first match wins within a service.  Each test returns the words that go into
``reasons`` (with the figure) or ``None``.  Sources: Victims' Code 2020 (Right 4, enhanced rights,
consent), Modern Slavery Act 2015 s.52 (MS1), NRM first-responder guidance, domain.md sections 3-4.
Every test carries an 'Example:' line; ``RuleTable`` refuses one without.
"""

from __future__ import annotations

from ._facts import Facts
from ._table import Level, PriorityRule, RuleTable, ServiceRules

# -- the consent gate shared by victim_support, fraud_victim_support and domestic_abuse -------


def declined(f: Facts) -> str | None:
    """The victim said no to support: never referred to a consent-based service.

    Example: burglary victim, consent.victim_support = false -> not referred.
    """
    if f.support_consent is False:
        return "victim declined support (consent.victim_support = false)"
    return None


def consent_unreadable(f: Facts) -> str | None:
    """A consent value that is not true/false/null might be a refusal: held, not sent.

    Example: consent.victim_support = "no thanks" -> not referred, unknown recorded.
    """
    if f.support_consent_unread:
        return ("consent to support could not be read as yes or no: "
                "held until confirmed with the victim")
    return None


def explicit_consent_missing(f: Facts) -> str | None:
    """Sexual offences, domestic abuse and bereaved relatives need explicit consent first.

    Example: rape marker, consent.victim_support = null -> not referred (ask first).
    """
    if f.consent_needed_for and f.support_consent is None:
        return (f"explicit consent needed first ({', '.join(f.consent_needed_for)}); "
                "consent.victim_support not asked (null)")
    return None


def consent_given(f: Facts) -> str | None:
    """The victim agreed.

    Example: domestic_abuse marker, consent.victim_support = true -> referred on consent.
    """
    if f.support_consent is True:
        why = f" (needed: {', '.join(f.consent_needed_for)})" if f.consent_needed_for else ""
        return f"victim consented to referral (consent.victim_support = true){why}"
    return None


def opt_out_default(f: Facts) -> str:
    """Right 4 for other crime: details pass unless the victim opts out.

    Example: burglary victim, consent.victim_support = null -> referred, no consent needed.
    """
    return "Right 4: referred unless the victim opts out; no opt-out recorded"


def domestic_abuse_consent_missing(f: Facts) -> str:
    """The domestic abuse service takes only victims who said yes.

    Example: domestic_abuse marker, consent.victim_support = null -> not referred.
    """
    return "domestic abuse service needs explicit consent; consent.victim_support not asked (null)"


# -- scopes ------------------------------------------------------------------------------------


def generic_support_scope(f: Facts) -> str | None:
    """Victims and bereaved relatives not routed to a specialist support service.

    Example: burglary victim -> victim_support considered; fraud victim -> not (fraud service).
    """
    if f.fraud or f.domestic_abuse:
        return None
    return "victim of crime" if not f.bereaved else "close relative bereaved by crime"


def generic_support_scope_with_da(f: Facts) -> str | None:
    """As ``generic_support_scope``, for forces that also send domestic abuse victims to it.

    Example: domestic_abuse marker -> victim_support considered as well as domestic_abuse.
    """
    return None if f.fraud else "victim of crime"


def fraud_scope(f: Facts) -> str | None:
    """Fraud victims go to the national fraud victim service instead of victim_support.

    Example: kind fraud, courier fraud victim aged 82 -> fraud_victim_support considered.
    """
    return "fraud victim" if f.fraud else None


def domestic_abuse_scope(f: Facts) -> str | None:
    """Example: markers [domestic_abuse] -> domestic_abuse considered."""
    return "domestic abuse" if f.domestic_abuse else None


def child_scope(f: Facts) -> str | None:
    """Example: victim aged 15 -> childrens_social_care considered."""
    return "under 18" if f.child else None


def nrm_scope(f: Facts) -> str | None:
    """A child in exploitation or trafficking, or an adult victim of modern slavery: by
    marker, Home Office offence code, category or a detected network covering the report.

    Example: county_lines marker and a victim aged 15 -> nrm considered; ho_code 106 under
    violent-crime, adult victim, no marker -> nrm considered.
    """
    if f.child and f.exploitation:
        return f"child exploitation or trafficking ({', '.join(f.exploitation)})"
    return _adult_slavery(f)


def _adult_slavery(f: Facts) -> str | None:
    if f.modern_slavery and not f.child:
        return f"adult modern slavery ({', '.join(f.slavery_why)})"
    return None


def ms1_scope(f: Facts) -> str | None:
    """Example: modern_slavery marker (or ho_code 106) and an adult victim -> MS1 considered."""
    return _adult_slavery(f)


# -- service-specific levels -------------------------------------------------------------------


def child_safeguarding(f: Facts) -> str:
    """A child victim goes to the MASH; no consent is needed to safeguard a child.

    Example: victim aged 15, consent.victim_support = false -> referred, no_consent_needed.
    """
    return f"child victim ({f.age_words}): MASH safeguarding referral, no consent needed"


def child_nrm(f: Facts) -> str | None:
    """A child in exploitation or trafficking is referred to the NRM without consent.

    Example: child_exploitation marker, victim aged 15 -> referred, no_consent_needed.
    """
    if f.child and f.exploitation:
        return (f"child ({f.age_words}) with {', '.join(f.exploitation)}: "
                "NRM referral without consent")
    return None


def adult_nrm_consent(f: Facts) -> str | None:
    """Example: modern_slavery marker, adult, consent.nrm = true -> referred on consent."""
    return "adult consented to NRM referral (consent.nrm = true)" if f.nrm_consent is True else None


def adult_nrm_declined(f: Facts) -> str | None:
    """Example: modern_slavery marker, adult, consent.nrm = false -> not referred; MS1 instead."""
    if f.nrm_consent is False:
        return "adult declined NRM referral (consent.nrm = false): anonymous MS1 instead"
    return None


def adult_nrm_unreadable(f: Facts) -> str | None:
    """Example: consent.nrm = "maybe" -> not referred; MS1 instead; unknown recorded."""
    if f.nrm_consent_unread:
        return "NRM consent could not be read as yes or no: anonymous MS1 instead; confirm consent"
    return None


def adult_nrm_not_asked(f: Facts) -> str:
    """Example: modern_slavery marker, adult, consent.nrm = null -> not referred; MS1 instead."""
    return "NRM needs the adult's consent; consent.nrm not asked (null): anonymous MS1 instead"


def nrm_meets_duty(f: Facts) -> str | None:
    """An NRM referral made with consent discharges the duty to notify.

    Example: modern_slavery marker, adult, consent.nrm = true -> MS1 not sent.
    """
    if f.nrm_consent is True:
        return "NRM referral made with consent meets the duty to notify"
    return None


def duty_to_notify(f: Facts) -> str:
    """Without NRM consent, the police still notify the Home Office, anonymously (MSA 2015 s.52).

    Example: modern_slavery marker, adult, consent.nrm = false -> MS1 sent with empty contact.
    """
    return "duty to notify (Modern Slavery Act 2015 s.52): anonymous MS1, no contact details"


# -- notes: extra reasons for one service ------------------------------------------------------


def fraud_support_level(f: Facts) -> str:
    """Level 2 when a vulnerability is identified, else level 1.

    Example: fraud victim aged 82 -> "level 2 (vulnerability: age 82 (>= 75))".
    """
    found = [*(f"flag {x}" for x in (*f.vulnerable_flags, *f.at_risk_flags)), *f.most_vulnerable]
    if f.child:
        found.append("under 18")
    if f.repeat:
        found.append(f"persistently targeted ({f.repeat})")
    if found:
        return f"fraud victim support level 2 (vulnerability: {', '.join(dict.fromkeys(found))})"
    return "fraud victim support level 1 (no vulnerability identified)"


def fraud_local_safeguarding(f: Facts) -> str | None:
    """The most vulnerable fraud victims also go to the local force for safeguarding.

    Example: fraud victim, flag vulnerable -> "local force safeguarding needed (flag vulnerable)".
    """
    if f.child:
        return "under 18: local force safeguarding through childrens_social_care"
    if f.most_vulnerable:
        return (f"most vulnerable ({', '.join(f.most_vulnerable)}): local force safeguarding "
                "needed; adult safeguarding is not a contract service, force fraud safeguarding "
                "officer to act on this referral")
    return None


# -- priority ----------------------------------------------------------------------------------


def child_at_current_risk(f: Facts) -> str | None:
    """Example: county_lines marker, victim aged 15 -> urgent."""
    if f.child and f.exploitation:
        return f"urgent: child at current risk ({', '.join(f.exploitation)})"
    return None


def flagged_at_risk(f: Facts) -> str | None:
    """A child or a modern slavery victim flagged at risk or missing.

    Example: victim aged 14 with flag missing_episode -> urgent.
    """
    if f.at_risk_flags and (f.child or f.modern_slavery):
        who = "child" if f.child else "modern slavery victim"
        return f"urgent: {who} at current risk (flags: {', '.join(f.at_risk_flags)})"
    return None


def modern_slavery_victim(f: Facts) -> str | None:
    """An adult victim of modern slavery or trafficking is at current risk of exploitation.

    Example: ho_code 106, adult victim, no flags -> urgent.
    """
    if f.modern_slavery and not f.child:
        return ("urgent: potential victim of modern slavery at current risk "
                f"({', '.join(f.slavery_why)})")
    return None


def most_serious_crime(f: Facts) -> str | None:
    """Example: hate_crime marker -> enhanced, "most serious crime (hate crime)"."""
    if f.most_serious:
        return f"enhanced rights: victim of most serious crime ({', '.join(f.most_serious)})"
    return None


def bereaved_relative(f: Facts) -> str | None:
    """Example: flag bereaved -> enhanced."""
    return "enhanced rights: close relative bereaved by crime" if f.bereaved else None


def persistently_targeted(f: Facts) -> str | None:
    """Example: 2 prior victimisations in 365 days (threshold 1) -> enhanced."""
    return f"enhanced rights: persistently targeted ({f.repeat})" if f.repeat else None


def vulnerable_or_intimidated(f: Facts) -> str | None:
    """Example: flag disability -> enhanced, "vulnerable or intimidated (flags: disability)"."""
    if f.vulnerable_flags:
        flags = ", ".join(f.vulnerable_flags)
        return f"enhanced rights: vulnerable or intimidated (flags: {flags})"
    return None


def under_18(f: Facts) -> str | None:
    """Everyone under 18 counts as vulnerable.  Example: victim aged 17 -> enhanced."""
    return f"enhanced rights: under 18 ({f.age_words})" if f.child else None


# -- the table ---------------------------------------------------------------------------------

_GATE = (Level(declined, False, "consent"), Level(consent_unreadable, False, "consent"),
         Level(explicit_consent_missing, False, "consent"), Level(consent_given, True, "consent"),
         Level(opt_out_default, True, "no_consent_needed", otherwise=True))


def build_table(domestic_abuse_replaces_generic: bool = True) -> RuleTable:
    """The whole table; ``RuleTable`` checks it (so a mistake fails at import)."""
    generic = (generic_support_scope if domestic_abuse_replaces_generic
               else generic_support_scope_with_da)
    return RuleTable(
        services=(
            ServiceRules("victim_support", generic, _GATE, guard=declined),
            ServiceRules("fraud_victim_support", fraud_scope, _GATE, guard=declined,
                         notes=(fraud_support_level, fraud_local_safeguarding)),
            ServiceRules("domestic_abuse", domestic_abuse_scope, (
                Level(declined, False, "consent"), Level(consent_unreadable, False, "consent"),
                Level(consent_given, True, "consent"),
                Level(domestic_abuse_consent_missing, False, "consent", otherwise=True)),
                guard=declined),
            ServiceRules("childrens_social_care", child_scope, (
                Level(child_safeguarding, True, "no_consent_needed", otherwise=True),)),
            ServiceRules("nrm", nrm_scope, (
                Level(child_nrm, True, "no_consent_needed"),
                Level(adult_nrm_declined, False, "consent"),
                Level(adult_nrm_unreadable, False, "consent"),
                Level(adult_nrm_consent, True, "consent"),
                Level(adult_nrm_not_asked, False, "consent", otherwise=True)),
                guard=adult_nrm_declined),
            ServiceRules("ms1_duty_to_notify", ms1_scope, (
                Level(nrm_meets_duty, False, "duty_to_notify"),
                Level(duty_to_notify, True, "duty_to_notify", otherwise=True))),
        ),
        priority=(
            PriorityRule(child_at_current_risk, "urgent"), PriorityRule(flagged_at_risk, "urgent"),
            PriorityRule(modern_slavery_victim, "urgent"),
            PriorityRule(most_serious_crime, "enhanced"),
            PriorityRule(bereaved_relative, "enhanced"),
            PriorityRule(persistently_targeted, "enhanced"),
            PriorityRule(vulnerable_or_intimidated, "enhanced"), PriorityRule(under_18, "enhanced"),
        ),
    )


TABLES = {True: build_table(True), False: build_table(False)}
