"""Request and response bodies of the API (what the OpenAPI spec shows)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from linkwatch.schemas import Severity

Status = Literal["new", "acknowledged", "assigned", "closed"]


class Problem(BaseModel):
    detail: str | list[Any] = Field(description="what was wrong, in words")


class Health(BaseModel):
    status: Literal["ok", "starting"]
    ready: dict[str, bool] = Field(description="which topics the read model has caught up with")
    alerts: int
    referrals: int
    reports: int


class Me(BaseModel):
    name: str
    role: str


class AlertStatus(BaseModel):
    alert_id: str
    status: Status = "new"
    assignee: str | None = None
    reason: str | None = None
    severity: Severity | None = Field(default=None, description="the alert's severity when set")
    version: int | None = None
    by: str | None = None
    at: str | None = None


class Acknowledge(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["acknowledged"]


class Assign(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["assigned"]
    assignee: str = Field(min_length=1, max_length=100, pattern=r"\S",
                          description="who is to work on it")


class Close(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["closed"]
    reason: str = Field(min_length=1, max_length=1000, pattern=r"\S",
                        description="why it is closed (kept with the status)")


StatusChange = Annotated[Acknowledge | Assign | Close, Field(discriminator="status")]


class AlertSummary(BaseModel):
    alert_id: str
    version: int
    type: str
    severity: str
    score: float
    title: str
    cluster_id: str | None = None
    reports: int
    updated_at: str
    status: Status = "new"
    assignee: str | None = None


class AlertPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[AlertSummary]


class Evidence(BaseModel):
    report_id: str
    kind: str | None = None
    reported_at: str | None = None
    category: str | None = None
    force: str | None = None
    markers: list[str] = []
    outside_share: float | None = Field(default=None, description="share of its persons with a "
                                        "known home who live outside the owning force")
    outside_forces: dict[str, int] = Field(default={}, description="their home forces")


class AlertDetail(BaseModel):
    alert: dict[str, Any] = Field(description="the latest Alert as on the alerts topic (contract)")
    status: AlertStatus
    evidence: list[Evidence] = Field(description="the evidence reports as the link graph has them")


class CytoscapeGraph(BaseModel):
    """Cytoscape.js elements JSON: ``{"nodes": [{"data": {...}}], "edges": [...]}``."""

    elements: dict[str, list[dict[str, Any]]]
    truncated: bool = Field(default=False, description="more nodes than shown")
    node: dict[str, Any] | None = Field(default=None, description="the asked-for node's details "
                                        "(neighbourhood only)")


class Cluster(BaseModel):
    cluster_id: str
    alert_ids: list[str]
    types: list[str]
    severity: str
    entities: int


class ReferralPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[dict[str, Any]] = Field(description="Referrals as on the referrals topic")


class SearchAlert(BaseModel):
    alert_id: str
    type: str
    severity: str
    version: int | None = None


class SearchHit(BaseModel):
    node_id: str = Field(description="typed node id, for /api/entities/neighbourhood")
    kind: str
    label: str
    match: Literal["identifier", "name_and_dob", "name"] = Field(
        description="why it is a hit, best first: the identifier as normalised, a person whose "
                    "name and date of birth match, a person whose name matches")
    score: float | None = Field(description="bits of name evidence (entity resolution's "
                                "weights); none for an exact identifier")
    reasons: list[str]
    reports: int = Field(description="how many reports mention it")
    alerts: list[SearchAlert] = Field(description="the live alerts naming it")


class SearchResult(BaseModel):
    query: str
    dob: str | None = None
    hits: list[SearchHit]
