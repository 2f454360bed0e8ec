"""Pure rules: normalisation, enrichment, validation, dedupe keys, referral decisions.

Nothing here touches Kafka or Redis; every function is easy to test on its own.
"""

if __name__ != "linkwatch.rules":  # the folder sits at the repo root; one name only
    raise ImportError(f"import linkwatch.rules, not {__name__}: the top-level rules/ "
                      "folder is installed as linkwatch.rules (pip install -e .), and a "
                      "second name would give a second copy of every class")
