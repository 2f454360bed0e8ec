"""The wire contract as pydantic models: the single source of truth in code."""

if __name__ != "linkwatch.schemas":  # the folder sits at the repo root; one name only
    raise ImportError(f"import linkwatch.schemas, not {__name__}: the top-level schemas/ "
                      "folder is installed as linkwatch.schemas (pip install -e .), and a "
                      "second name would give a second copy of every class")

from .outputs import (
    ALERT_TYPES,
    OFFENDER_SERVICES,
    SEVERITIES,
    VICTIM_SERVICES,
    Alert,
    AlertEntity,
    AlertLink,
    DeadLetter,
    DeadLetterError,
    Referral,
    ReferralContact,
    Severity,
    severity_rank,
)
from .report import (
    AnyReport,
    Consent,
    CyberDetail,
    CyberReport,
    FraudDetail,
    FraudReport,
    Identifier,
    IncidentDetail,
    IncidentReport,
    Location,
    Period,
    Person,
    Report,
    ReportAdapter,
    Vehicle,
    parse_amount,
)

__all__ = [
    "ALERT_TYPES", "OFFENDER_SERVICES", "SEVERITIES", "VICTIM_SERVICES", "Alert", "AlertEntity",
    "AlertLink", "AnyReport", "Consent", "CyberDetail", "CyberReport", "DeadLetter",
    "DeadLetterError", "FraudDetail", "FraudReport", "Identifier", "IncidentDetail",
    "IncidentReport", "Location", "Period", "Person", "Referral", "ReferralContact", "Report",
    "ReportAdapter", "Severity", "Vehicle", "parse_amount", "severity_rank",
]
