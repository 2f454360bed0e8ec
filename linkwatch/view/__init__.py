"""The link graph as readers see it: a materialised view the link stage writes.

The link stage owns the link state (``linkwatch.pipeline.Pipeline``); after each batch it
writes what changed to a database (``ViewWriter``: SQLite by default, PostgreSQL for
readers on other machines), with the accepted-topic offset reached.  Readers (``linkwatch
export``, ``share``, ``search``, the API) read the parts they need from there
(``GraphView``) and never replay the accepted topic.  docs/architecture.md says why this
design, and what else was weighed.
"""

from .reader import GraphView, ViewRows, ViewState
from .store import Store, ViewUnavailable, url_of
from .writer import ViewWriter, Writes

__all__ = ["GraphView", "Store", "ViewRows", "ViewState", "ViewUnavailable", "ViewWriter", "Writes",
           "url_of"]
