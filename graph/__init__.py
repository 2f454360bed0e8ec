"""The link graph, its detectors and its exports."""

if __name__ != "linkwatch.graph":  # the folder sits at the repo root; one name only
    raise ImportError(f"import linkwatch.graph, not {__name__}: the top-level graph/ "
                      "folder is installed as linkwatch.graph (pip install -e .), and a "
                      "second name would give a second copy of every class")

from . import model
from .store import LinkGraph

__all__ = ["LinkGraph", "model"]
