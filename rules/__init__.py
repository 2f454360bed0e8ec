"""Pure rules: normalisation, enrichment, validation, dedupe keys, referral decisions.

Nothing here touches Kafka or Redis; every function is easy to test on its own.
"""
