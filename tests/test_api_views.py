"""The chart's elements stay small around a hub: a node's long id lists are cut, with
their total (a hub with thousands of reports made a 2-hop neighbourhood cost 375 ms at
1M entities, nearly all of it serialising ``report_ids``)."""

from __future__ import annotations

import networkx as nx

from linkwatch.api.views import ELEMENT_IDS, cytoscape, node_details


def test_a_hubs_report_ids_are_cut_in_the_chart_and_whole_in_the_details() -> None:
    g = nx.MultiDiGraph()
    rids = {f"R-{i:04d}" for i in range(3 * ELEMENT_IDS)}
    g.add_node("phone:+441632960000", kind="phone", report_ids=rids)
    g.add_node("report:R-0001", kind="report", report_ids={"R-0001"})
    g.add_edge("report:R-0001", "phone:+441632960000", key="mentions", report_ids=rids)
    chart = cytoscape(g)
    node = next(e["data"] for e in chart["elements"]["nodes"]
                if e["data"]["id"] == "phone:+441632960000")
    assert node["report_ids"] == sorted(rids)[:ELEMENT_IDS]   # the first, in order
    assert node["report_ids_total"] == 3 * ELEMENT_IDS
    edge = chart["elements"]["edges"][0]["data"]
    assert len(edge["report_ids"]) == ELEMENT_IDS and edge["report_ids_total"] == 150
    small = next(e["data"] for e in chart["elements"]["nodes"]
                 if e["data"]["id"] == "report:R-0001")
    assert small["report_ids"] == ["R-0001"] and "report_ids_total" not in small
    details = node_details(g.nodes["phone:+441632960000"], "phone:+441632960000", 1)
    assert details["report_ids"] == sorted(rids) and details["degree"] == 1
