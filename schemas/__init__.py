"""The wire contract as pydantic models: the single source of truth in code."""

from .outputs import (
    ALERT_TYPES,
    OFFENDER_SERVICES,
    VICTIM_SERVICES,
    Alert,
    AlertEntity,
    AlertLink,
    DeadLetter,
    DeadLetterError,
    Referral,
    ReferralContact,
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
    "ALERT_TYPES", "OFFENDER_SERVICES", "VICTIM_SERVICES", "Alert", "AlertEntity", "AlertLink",
    "AnyReport", "Consent", "CyberDetail", "CyberReport", "DeadLetter", "DeadLetterError",
    "FraudDetail", "FraudReport", "Identifier", "IncidentDetail", "IncidentReport", "Location",
    "Period", "Person", "Referral", "ReferralContact", "Report", "ReportAdapter", "Vehicle",
    "parse_amount",
]
