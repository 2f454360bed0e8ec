"""The stages of the pipeline as Faust agents.  Each is thin: it feeds pure
functions (``linkwatch.rules``, ``linkwatch.pipeline``) and publishes.

Importing a stage's module registers its agents with the app, so a worker can
run every stage (``linkwatch worker``) or one (``--stage intake`` / ``--stage link``).
"""

if __name__ != "linkwatch.agents":  # the folder sits at the repo root; one name only
    raise ImportError(f"import linkwatch.agents, not {__name__}: the top-level agents/ "
                      "folder is installed as linkwatch.agents (pip install -e .), and a "
                      "second name would give a second copy of every class")

STAGES = {"intake": "linkwatch.agents.intake", "link": "linkwatch.agents.link"}

__all__ = ["STAGES"]
