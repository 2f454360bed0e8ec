"""The outcomes report as Markdown, JSON or a self-contained HTML page with plots.

``render_html(outcomes, reoffending=None, *, title=None) -> str`` is what the API serves: one
page, no external resources (plots are inline SVG drawn by matplotlib's Agg backend), headed
and footed with the handling marking.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Mapping
from typing import Any

from .measures import Outcomes

HANDLING = "OFFICIAL-SENSITIVE"


def _fmt(value: Any, share: bool = False) -> str:
    if value is None:
        return "n/a"
    if share:
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _sh(row: Mapping[str, Any]) -> bool:
    return "share" in row["key"]


def _change(row: Mapping[str, Any]) -> str:
    change = row["change"]
    if change is None:
        return "n/a"
    sign = "+" if change > 0 else ""
    mark = {True: " (better)", False: " (worse)", None: ""}[row["better"]]
    if "share" in row["key"]:
        return f"{sign}{change * 100:.1f} pts{mark}"
    return f"{sign}{change:,.1f}{mark}" if isinstance(change, float) and change != int(
        change) else f"{sign}{int(change):,}{mark}"


def render_json(outcomes: Outcomes, reoffending: Mapping[str, Any] | None = None) -> str:
    body = outcomes.as_dict()
    if reoffending is not None:
        body["reoffending"] = reoffending
    return json.dumps(body, indent=2, default=str)


def render_markdown(outcomes: Outcomes, reoffending: Mapping[str, Any] | None = None,
                    handling: str = HANDLING) -> str:
    cur, prev = outcomes.current.period, outcomes.previous.period
    lines = [f"**{handling}**", "",
             f"# Police and Crime Plan outcomes: {outcomes.force}", "",
             f"Period {cur.label()} ({cur.days} days) against {prev.label()}.", ""]
    if not outcomes.previous.reports:
        lines += ["No reports in the previous period: changes are not shown.", ""]
    if outcomes.sources:
        lines += ["Sources: " + "; ".join(outcomes.sources), ""]
    lines += ["| measure | this period | previous | change |", "|---|---:|---:|---:|"]
    for row in outcomes.headline_rows():
        lines.append(f"| {row['label']} | {_fmt(row['current'], _sh(row))} | "
                     f"{_fmt(row['previous'], _sh(row))} | "
                     f"{_change(row)} |")
    lines += ["", "## Recorded crime by category", "",
              "| category | count | harm (days) | previous count | previous harm |",
              "|---|---:|---:|---:|---:|"]
    p_cat = outcomes.previous.by_category
    for cat, v in outcomes.current.by_category.items():
        pv = p_cat.get(cat, {"count": 0, "harm": 0})
        lines.append(f"| {cat} | {int(v['count']):,} | {v['harm']:,.1f} | {int(pv['count']):,} "
                     f"| {pv['harm']:,.1f} |")
    forces = outcomes.current.outside.get("forces") or {}
    if forces:
        lines += ["", "## Offenders from outside the force, by home force", ""]
        lines += [f"- {f}: {n}" for f, n in forces.items()]
    if reoffending is not None:
        lines += ["", *reoffending_markdown(reoffending)]
    lines += ["", f"**{handling}**", ""]
    return "\n".join(lines)


def reoffending_markdown(r: Mapping[str, Any], limit: int = 50) -> list[str]:
    done, all_ = r["complete_follow_up"], r["all"]
    lines = [f"## Re-offending (window {r['window_days']} days; cohort {r['cohort_period']})", "",
             f"Offenders: {r['offenders']:,}. Cohort: {all_['cohort']:,} "
             f"({done['cohort']:,} with complete follow-up to {r['data_end']}).", "",
             "| | cohort | reoffenders | rate | reoffences | frequency |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, g in (("complete follow-up", done), ("all (lower bound)", all_)):
        lines.append(f"| {name} | {g['cohort']:,} | {g['reoffenders']:,} | "
                     f"{_fmt(g['rate'], True)} | "
                     f"{g['reoffences']:,} | {_fmt(g['frequency'])} |")
    rep = r["repeat_offenders"]
    lines += ["", f"### Repeat offenders ({len(rep)})", "",
              "| offender | offences | first | last | interval (days) |", "|---|---:|---|---|---:|"]
    for h in rep[:limit]:
        lines.append(f"| {h['offender']} | {h['offences']} | {h['first'][:10]} | "
                     f"{h['last'][:10]} | {h['interval_days']:g} |")
    if len(rep) > limit:
        lines.append(f"| ... and {len(rep) - limit} more | | | | |")
    return lines


# -- HTML ------------------------------------------------------------------------------------


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _bars(title: str, labels: list[str], current: list[float], previous: list[float],
          cur_label: str, prev_label: str, xlabel: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"
    import matplotlib.pyplot as plt

    height = max(2.2, 0.42 * len(labels) + 1.0)
    fig, ax = plt.subplots(figsize=(7.5, height))
    ys = range(len(labels))
    ax.barh([y + 0.2 for y in ys], previous, height=0.4, label=prev_label, color="#9fb4c7")
    ax.barh([y - 0.2 for y in ys], current, height=0.4, label=cur_label, color="#1f4e79")
    ax.set_yticks(list(ys), labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    for y, v in zip(ys, current, strict=True):
        ax.annotate(f"{v:,.0f}", (v, y - 0.2), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=7)
    return _svg(fig)


def plots(outcomes: Outcomes) -> list[str]:
    """Inline SVG figures: headline crime measures, recorded crime and harm by category."""
    cur, prev = outcomes.current, outcomes.previous
    a, b = cur.period.label(), prev.period.label()
    measures = [("Serious violence", "serious_violence"), ("Knife crime", "knife_crime"),
                ("Homicide", "homicide"), ("Possession of weapons", "possession_of_weapons")]
    out = [_bars("Serious violence and weapons", [m for m, _ in measures],
                 [getattr(cur, k)["count"] for _, k in measures],
                 [getattr(prev, k)["count"] for _, k in measures], a, b, "reports")]
    cats = sorted(set(cur.by_category) | set(prev.by_category),
                  key=lambda c: -cur.by_category.get(c, {}).get("count", 0))
    if cats:
        def col(fig: Any, c: str, k: str) -> float:
            return float(fig.by_category.get(c, {}).get(k, 0))
        out.append(_bars("Recorded crime by category", cats, [col(cur, c, "count") for c in cats],
                         [col(prev, c, "count") for c in cats], a, b, "reports"))
        out.append(_bars("Harm by category (Cambridge Crime Harm Index)", cats,
                         [col(cur, c, "harm") for c in cats], [col(prev, c, "harm") for c in cats],
                         a, b, "days of imprisonment (sum)"))
    return out


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:60em;color:#222}
.marking{font-weight:bold;text-align:center;color:#a00;letter-spacing:.1em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em}
td.n{text-align:right}.better{color:#176117}.worse{color:#a00}figure{margin:1.5em 0}"""


def render_html(outcomes: Outcomes, reoffending: Mapping[str, Any] | None = None, *,
                title: str | None = None, handling: str = HANDLING) -> str:
    """A complete HTML page (str): headline table, plots, categories, re-offending."""
    e = html.escape
    cur, prev = outcomes.current.period, outcomes.previous.period
    title = title or f"Police and Crime Plan outcomes: {outcomes.force}"
    rows = []
    for r in outcomes.headline_rows():
        cls = {True: "better", False: "worse", None: ""}[r["better"]]
        rows.append(f"<tr><td>{e(r['label'])}</td><td class=n>{e(_fmt(r['current'], _sh(r)))}</td>"
                    f"<td class=n>{e(_fmt(r['previous'], _sh(r)))}</td>"
                    f"<td class='n {cls}'>{e(_change(r))}</td></tr>")
    cats = "".join(
        f"<tr><td>{e(c)}</td><td class=n>{int(v['count']):,}</td><td class=n>{v['harm']:,.1f}"
        f"</td></tr>" for c, v in outcomes.current.by_category.items())
    figs = "".join(f"<figure>{svg}</figure>" for svg in plots(outcomes))
    reo = ""
    if reoffending is not None:
        g = reoffending["complete_follow_up"]
        reo = (f"<h2>Re-offending (window {reoffending['window_days']} days)</h2>"
               f"<p>Cohort {g['cohort']:,} with complete follow-up; {g['reoffenders']:,} "
               f"re-offended (rate {e(_fmt(g['rate'], True))}); all offenders (lower bound) "
               f"{e(_fmt(reoffending['all']['rate'], True))}. Repeat offenders: "
               f"{len(reoffending['repeat_offenders']):,}.</p>")
    sources = f"<p>Sources: {e('; '.join(outcomes.sources))}</p>" if outcomes.sources else ""
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{e(title)}</title>"
            f"<style>{_CSS}</style></head><body><div class=marking>{e(handling)}</div>"
            f"<h1>{e(title)}</h1><p>{e(cur.label())} ({cur.days} days) against "
            f"{e(prev.label())}.</p>{sources}"
            "<table><tr><th>measure</th><th>this period</th><th>previous</th><th>change</th>"
            f"</tr>{''.join(rows)}</table>{figs}<h2>Recorded crime by category</h2><table>"
            f"<tr><th>category</th><th>count</th><th>harm (days)</th></tr>{cats}</table>{reo}"
            f"<div class=marking>{e(handling)}</div></body></html>")
