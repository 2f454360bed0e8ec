"""The Faust app and every topic, declared once (agents import from here)."""

if __name__ != "linkwatch.streams":  # the folder sits at the repo root; one name only
    raise ImportError(f"import linkwatch.streams, not {__name__}: the top-level streams/ "
                      "folder is installed as linkwatch.streams (pip install -e .), and a "
                      "second name would give a second copy of every class")
