"""The outcomes report as Markdown, JSON or a self-contained HTML page with plots.

``render_html(outcomes, reoffending=None, *, title=None) -> str`` is what the API serves: one
page, no external resources (plots are inline SVG drawn by matplotlib's Agg backend), headed
and footed with the handling marking.  ``write_markdown(outcomes, path, ...)`` writes the
Markdown report with the same charts as PNG files beside it, linked by relative paths.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
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


def _against(outcomes: Outcomes) -> str:
    cur, prev = outcomes.current.period, outcomes.previous.period
    return (f"Period {cur.label()} ({cur.days} days) against {prev.label()} "
            f"({outcomes.comparison_label()}).")


def render_markdown(outcomes: Outcomes, reoffending: Mapping[str, Any] | None = None,
                    handling: str = HANDLING, charts: Sequence[tuple[str, str]] = ()) -> str:
    """The report as Markdown; ``charts``: (title, relative link) of images to show."""
    lines = [f"**{handling}**", "",
             f"# Police and Crime Plan outcomes: {outcomes.force}", "",
             _against(outcomes), ""]
    if note := outcomes.comparison_note():
        lines += [f"**{note}**", ""]
    if outcomes.sources:
        lines += ["Sources: " + "; ".join(outcomes.sources), ""]
    lines += ["| measure | this period | comparison | change |", "|---|---:|---:|---:|"]
    for row in outcomes.headline_rows():
        lines.append(f"| {row['label']} | {_fmt(row['current'], _sh(row))} | "
                     f"{_fmt(row['previous'], _sh(row))} | "
                     f"{_change(row)} |")
    if charts:
        lines += ["", "## Charts", ""]
        for title, link in charts:
            lines += [f"![{title}]({link})", ""]
        lines.pop()
    if outcomes.trend:
        compared = outcomes.trend_compared or []
        lines += ["", "## Month by month", "",
                  "| month | reports | recorded crime | harm (days) | comparison month | "
                  "recorded crime |", "|---|---:|---:|---:|---|---:|"]
        for i, m in enumerate(outcomes.trend):
            c = compared[i] if i < len(compared) else None
            lines.append(f"| {m['month']} | {m['reports']:,} | {m['crimes']:,} | "
                         f"{m['harm']:,.1f} | {c['month'] if c else ''} | "
                         f"{format(c['crimes'], ',') if c else ''} |")
    lines += ["", "## Recorded crime by category", "",
              "| category | count | harm (days) | comparison count | comparison harm |",
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


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"
    import matplotlib.pyplot as plt

    return plt


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _bars(title: str, labels: list[str], current: list[float], previous: list[float],
          cur_label: str, prev_label: str, xlabel: str) -> Any:
    plt = _pyplot()
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
    return fig


def _trend(outcomes: Outcomes) -> Any:
    """Recorded crime and harm per month; the comparison period's months dashed beside."""
    plt = _pyplot()
    months = outcomes.trend or []
    compared = outcomes.trend_compared or []
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.5, 5.0), sharex=True)
    xs = list(range(len(months)))
    for ax, key, label in ((top, "crimes", "recorded crime"),
                           (bottom, "harm", "harm (CCHI days)")):
        ax.plot(xs, [m[key] for m in months], marker="o", color="#1f4e79",
                label=outcomes.current.period.label())
        if outcomes.comparable and compared:
            cx = xs[:len(compared)]
            ax.plot(cx, [c[key] for c in compared[:len(cx)]], marker="o", linestyle="--",
                    color="#9fb4c7", label=f"{outcomes.previous.period.label()} "
                                           f"({outcomes.comparison_label()})")
        ax.set_ylabel(label)
        ax.set_ylim(bottom=0)
        ax.legend(loc="best", fontsize="small")
    bottom.set_xticks(xs, [m["month"] for m in months])
    top.set_title("Month by month")
    return fig


def charts(outcomes: Outcomes) -> list[tuple[str, str, Any]]:
    """(slug, title, matplotlib figure) of every chart: headline crime measures, recorded crime
    and harm by category, and the monthly trend when the period spans months."""
    cur, prev = outcomes.current, outcomes.previous
    a, b = cur.period.label(), prev.period.label()
    measures = [("Serious violence", "serious_violence"), ("Knife crime", "knife_crime"),
                ("Homicide", "homicide"), ("Possession of weapons", "possession_of_weapons")]
    title = "Serious violence and weapons"
    out = [("violence", title, _bars(title, [m for m, _ in measures],
                                     [getattr(cur, k)["count"] for _, k in measures],
                                     [getattr(prev, k)["count"] for _, k in measures], a, b,
                                     "reports"))]
    cats = sorted(set(cur.by_category) | set(prev.by_category),
                  key=lambda c: -cur.by_category.get(c, {}).get("count", 0))
    if cats:
        def col(fig: Any, c: str, k: str) -> float:
            return float(fig.by_category.get(c, {}).get(k, 0))
        title = "Recorded crime by category"
        out.append(("categories", title, _bars(title, cats, [col(cur, c, "count") for c in cats],
                                               [col(prev, c, "count") for c in cats], a, b,
                                               "reports")))
        title = "Harm by category (Cambridge Crime Harm Index)"
        out.append(("harm", title, _bars(title, cats, [col(cur, c, "harm") for c in cats],
                                         [col(prev, c, "harm") for c in cats], a, b,
                                         "days of imprisonment (sum)")))
    if outcomes.trend:
        out.append(("trend", "Month by month", _trend(outcomes)))
    return out


def plots(outcomes: Outcomes) -> list[str]:
    """The charts as inline SVG (for the HTML page)."""
    return [_svg(fig) for _slug, _title, fig in charts(outcomes)]


def write_charts(outcomes: Outcomes, folder: Path, stem: str) -> list[tuple[str, Path]]:
    """Write every chart as ``<stem>-<slug>.png`` in ``folder``; (title, path) of each."""
    plt = _pyplot()
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem) or "outcomes"
    out = []
    for slug, title, fig in charts(outcomes):
        path = folder / f"{stem}-{slug}.png"
        fig.savefig(path, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        out.append((title, path))
    return out


def write_markdown(outcomes: Outcomes, path: Path, reoffending: Mapping[str, Any] | None = None,
                   handling: str = HANDLING) -> list[Path]:
    """Write the Markdown report to ``path`` and its charts as PNG files beside it, linked by
    relative paths (the folder can be moved or zipped whole); return every file written."""
    path = Path(path)
    images = write_charts(outcomes, path.parent, path.stem)
    links = [(title, image.name) for title, image in images]
    path.write_text(render_markdown(outcomes, reoffending, handling, links), encoding="utf-8")
    return [path, *(image for _title, image in images)]


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:60em;color:#222}
.marking{font-weight:bold;text-align:center;color:#a00;letter-spacing:.1em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em}
td.n{text-align:right}.better{color:#176117}.worse{color:#a00}figure{margin:1.5em 0}"""


def render_html(outcomes: Outcomes, reoffending: Mapping[str, Any] | None = None, *,
                title: str | None = None, handling: str = HANDLING) -> str:
    """A complete HTML page (str): headline table, plots, categories, re-offending."""
    e = html.escape
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
    note = f"<p><strong>{e(n)}</strong></p>" if (n := outcomes.comparison_note()) else ""
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{e(title)}</title>"
            f"<style>{_CSS}</style></head><body><div class=marking>{e(handling)}</div>"
            f"<h1>{e(title)}</h1><p>{e(_against(outcomes))}</p>{note}{sources}"
            "<table><tr><th>measure</th><th>this period</th><th>comparison</th><th>change</th>"
            f"</tr>{''.join(rows)}</table>{figs}<h2>Recorded crime by category</h2><table>"
            f"<tr><th>category</th><th>count</th><th>harm (days)</th></tr>{cats}</table>{reo}"
            f"<div class=marking>{e(handling)}</div></body></html>")
