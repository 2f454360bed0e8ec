"""What a detector returns, and the configuration every detector reads.

A detector is a pure function ``(sub, touched, cfg) -> list[Finding]`` over a
sub-graph of the link graph (``networkx.MultiDiGraph``, see ``graph/model.py``):
``sub`` is the neighbourhood of the nodes a new report ``touched``.  It states
its evidence, its score and why, in words an analyst reads.

Every threshold has a default here and the same default, with its reason, in
``linkwatch/data/detectors.yaml``; ``load_config`` reads that file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DetectorConfig:
    """Thresholds with documented defaults (see ``linkwatch/data/detectors.yaml``)."""

    window_days: int = 90
    shared_identifier_min_reporters: int = 3
    shared_identifier_min_type_share: float = 0.8
    hub_ignore: frozenset[str] = frozenset()
    hub_allow: frozenset[str] = frozenset()
    home_force: str = "Warwickshire Police"
    now: datetime | None = None  # the decisive report's time; windows are measured back from it
    # -- added fields (all defaulted, so older callers keep working) --------
    handling: str = "OFFICIAL-SENSITIVE"
    hubs: frozenset[str] = frozenset()      # hubs detected from the data (graph/hubs.py)
    hub_min_reports: int = 20               # fewer reports than this: never a data hub
    hub_max_reports: int = 500              # this many reports in the window: a hub outright
    hub_max_relatedness: float = 0.2        # share of its reports linked to another by anything
                                            # else
    hub_min_categories: int = 3             # distinct report categories a hub's reports spread over
    hub_sample: int = 60                    # reports examined per hub assessment (bounded work)
    # innocent contacts (graph/hubs.py): a contact the victims made, not the fraudster's route
    contact_min_reports: int = 3            # reports before a contact route is judged
    contact_other_route_share: float = 0.5  # share of its reports naming another sender/site
    contact_min_span_days: int = 45         # or its reports spread over this many days...
    contact_burst_days: int = 14            # ...with no more than contact_max_burst_share of
    contact_max_burst_share: float = 0.5    # them within any contact_burst_days
    elderly_age: int = 65
    child_age: int = 18
    mule_min_victims: int = 3
    collector_min_mules: int = 2
    campaign_min_victims: int = 5
    campaign_min_type_share: float = 0.6
    network_min_reports: int = 4
    network_min_shared: int = 2
    network_max_reports: int = 500
    network_max_star_share: float = 0.8     # one identifier in this share of the reports: a star
    county_lines_min_reports: int = 2
    county_lines_min_score: float = 0.4
    drugs_categories: frozenset[str] = frozenset({"drugs"})
    home_postcode_prefixes: tuple[str, ...] = ("CV", "B49", "B50", "B80", "B95", "OX15", "OX17",
                                               "GL56")
    cuckoo_min_reports: int = 2
    repeat_victim_min: int = 3
    knife_min_incidents: int = 3
    knife_window_days: int = 30
    knife_radius_m: float = 500.0
    slavery_min_workers: int = 3
    cyber_min_reports: int = 3
    ocg_min_size: int = 3
    ocg_min_reports: int = 2
    ocg_seed: int = 42
    ocg_max_component: int = 5000


@dataclass(frozen=True)
class Finding:
    """One detected structure.  ``key`` identifies the structure (not the evidence)
    so that the same structure keeps one ``alert_id`` as evidence grows."""

    type: str
    key: str
    severity: str
    score: float
    title: str
    summary: str
    reasons: tuple[str, ...]
    report_ids: tuple[str, ...]
    entities: tuple[str, ...]                      # node ids
    links: tuple[tuple[str, str, str], ...] = ()   # (source, target, edge type)
    cluster_id: str | None = None
    discounted_hubs: tuple[str, ...] = field(default=())
    # added: what the alert needs without the graph (parallel to entities / links)
    labels: tuple[str, ...] = ()                   # label of each entity, from node attrs
    link_report_ids: tuple[tuple[str, ...], ...] = ()  # report ids behind each link
    at: datetime | None = None                     # time of the latest evidence report
    # what only a published alert needs, computed when asked (``explained``): fields to
    # replace, e.g. reasons naming key players by betweenness (ocg)
    explain: Callable[[], dict[str, Any]] | None = field(default=None, compare=False,
                                                         repr=False)

    def explained(self) -> Finding:
        """This finding complete: ``explain``'s fields filled in."""
        return self if self.explain is None else replace(self, **self.explain(), explain=None)
