"""Reporting on the Police and Crime Plan (issue 9): success measures over a period,
re-offending, the managed-offender watchlist loader, and sharing an alert outside the force.

Pure cores: ``report_row`` (one report -> one flat row), ``outcomes`` (the measures and the
period before), ``reoffending``; rendering: ``render_markdown``, ``render_json``,
``render_html``; I/O at the edges: ``sources``, ``watchlist``, ``share``.
"""

from .measures import Figures, Outcomes, Period, figures, outcomes
from .render import render_html, render_json, render_markdown
from .reoffending import OffenderHistory, histories, reoffending
from .rows import PersonRow, ReportRow, report_row

__all__ = [
    "Figures", "OffenderHistory", "Outcomes", "Period", "PersonRow", "ReportRow", "figures",
    "histories", "outcomes", "render_html", "render_json", "render_markdown", "reoffending",
    "report_row",
]
