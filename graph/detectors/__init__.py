"""Detectors over the neighbourhood of a new report, and their configuration.

``run_detectors(sub, touched, cfg)`` runs every detector in a fixed order and
returns their findings; ``load_config()`` reads ``linkwatch/data/detectors.yaml``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

import networkx as nx

from ._config import load_config
from .base import DetectorConfig, Finding
from .county_lines import detect_county_lines, detect_cuckooing
from .cyber import detect_cyber_campaign
from .exploitation import detect_child_exploitation, detect_exploitation
from .fraud import detect_fraud_campaign, detect_fraud_network, detect_mule_account
from .incidents import detect_knife_crime, detect_repeat_victim
from .ocg import ClusterTracker, detect_ocg
from .shared import detect_shared_identifier

Detector = Callable[[nx.MultiDiGraph, set[str], DetectorConfig], list[Finding]]
log = logging.getLogger(__name__)

DETECTORS: tuple[Detector, ...] = (
    detect_shared_identifier, detect_mule_account, detect_fraud_campaign, detect_fraud_network,
    detect_county_lines, detect_cuckooing, detect_repeat_victim, detect_knife_crime,
    detect_exploitation, detect_child_exploitation, detect_cyber_campaign,
)
# a shared_identifier finding is dropped when one of these names the same node
_MORE_SPECIFIC = ("mule_account", "fraud_campaign", "county_lines", "cyber_campaign")


def run_detectors(sub: nx.MultiDiGraph, touched: set[str], cfg: DetectorConfig,
                  tracker: ClusterTracker | None = None,
                  graph: nx.MultiDiGraph | None = None) -> list[Finding]:
    """Every detector's findings, hubs among ``touched`` discounted first.

    ``tracker`` keeps OCG cluster ids stable; ``graph`` (the full link graph) lets
    OCG follow the co-offender component beyond ``sub``.

    A detector that fails is logged and skipped: one bad rule never stops the stream.
    """
    from linkwatch.graph.hubs import detect_hubs  # hubs imports this package's helpers

    # a node already in ``cfg.hubs`` (judged on the full graph by ``HubIndex.observe``)
    # stays a hub whatever ``sub`` says: only the others are judged again
    found = detect_hubs(sub, [n for n in touched if n not in cfg.hubs], cfg)
    if found:
        cfg = replace(cfg, hubs=cfg.hubs | found)
    findings: list[Finding] = []
    for detector in DETECTORS:
        try:
            findings.extend(detector(sub, touched, cfg))
        except Exception:  # noqa: BLE001 - isolate one detector's bug from the rest
            log.exception("detector %s failed", detector.__name__)
    try:
        findings.extend(detect_ocg(sub, touched, cfg, tracker, graph))
    except Exception:  # noqa: BLE001
        log.exception("detector detect_ocg failed")
    specific = {f.key.split(":", 1)[1] for f in findings if f.type in _MORE_SPECIFIC}
    return [f for f in findings
            if not (f.type == "shared_identifier" and f.key.split(":", 1)[1] in specific)]


__all__ = ["DETECTORS", "ClusterTracker", "DetectorConfig", "Finding", "load_config",
           "run_detectors"]
