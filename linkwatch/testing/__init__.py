"""Scenario generators and graph builders for tests and benchmarks: in the repository,
not in the wheel (pyproject.toml lists the packages it ships, and this is not one of
them; tests/test_packaging.py checks that, and that no shipped module imports it).

* ``linkwatch.testing.graphs``: ``Scenario``, small link graphs for detector tests;
* ``linkwatch.testing.detect_scenario``: every structure type planted among background
  reports, with its truth (``generate_detect``, ``score_detection``).

The demo's own scenario ships (``linkwatch.demo_scenario``): ``linkwatch demo`` runs it.
"""
