"""The stages of the pipeline as Faust agents.  Each is thin: it feeds pure
functions (``linkwatch.rules``, ``linkwatch.pipeline``) and publishes.

Importing a stage's module registers its agents with the app, so a worker can
run every stage (``linkwatch worker``) or one (``--stage intake`` / ``--stage link``).
"""

STAGES = {"intake": "linkwatch.agents.intake", "link": "linkwatch.agents.link"}

__all__ = ["STAGES"]
