"""docker-compose.yml agrees with the code (Docker itself cannot run here)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from linkwatch.config import Settings

ROOT = Path(__file__).parents[1]


def load() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_images_and_order() -> None:
    compose = load()
    services = compose["services"]
    assert set(services) == {"kafka", "redis", "postgres", "topic-init", "worker", "api"}
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert "broker,controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]  # KRaft
    assert services["redis"]["image"].startswith("redis:")
    worker_deps = services["worker"]["depends_on"]
    assert worker_deps["kafka"]["condition"] == "service_healthy"
    assert worker_deps["redis"]["condition"] == "service_healthy"
    assert worker_deps["topic-init"]["condition"] == "service_completed_successfully"
    for svc in ("kafka", "redis", "postgres"):
        assert "healthcheck" in services[svc], svc
    for svc in ("worker", "api"):  # the view's writer and a reader: both need the database
        assert services[svc]["depends_on"]["postgres"]["condition"] == "service_healthy"
    view = services["worker"]["environment"]["LINKWATCH_VIEW_URL"]
    assert view.startswith("postgresql://") and "@postgres:5432/" in view
    assert services["api"]["environment"]["LINKWATCH_VIEW_URL"] == view


def test_commands_are_linkwatch_subcommands() -> None:
    from typer.main import get_command

    from linkwatch.cli import app

    cli = get_command(app)
    services = load()["services"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["linkwatch"]' in dockerfile
    for svc in ("topic-init", "worker", "api"):
        command = services[svc]["command"]
        group = cli
        for word in command:
            if word.startswith("-"):
                break
            group = group.commands[word]  # type: ignore[attr-defined]
        assert services[svc]["build"] == "."


def test_environment_names_are_settings_the_code_reads() -> None:
    services = load()["services"]
    env = services["worker"]["environment"]
    assert env["KAFKA_BOOTSTRAP"] == "kafka:9092" and env["REDIS_URL"].startswith("redis://redis:")
    fields = set(Settings.model_fields)
    for name in env:
        if name.startswith("LINKWATCH_"):
            assert name.removeprefix("LINKWATCH_").lower() in fields, name
    assert services["topic-init"]["environment"] == env


def test_every_variable_has_a_default_or_a_message() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for match in re.finditer(r"\$\{([A-Z_]+)([^}]*)\}", text):
        assert match.group(2).startswith((":-", ":?")), match.group(0)


def test_documented_in_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in ("KAFKA_BOOTSTRAP", "REDIS_URL", "LINKWATCH_PARTITIONS", "docker compose"):
        assert name in readme, name


def test_topic_retention_defaults_match_the_code() -> None:
    # topic-init (`linkwatch topics create`) creates the topics with these retentions
    env = load()["services"]["topic-init"]["environment"]
    for name in ("LINKWATCH_RETENTION_DAYS", "LINKWATCH_RETENTION_MARGIN_DAYS",
                 "LINKWATCH_INPUT_RETENTION_DAYS"):
        match = re.fullmatch(r"\$\{" + name + r":-(\d+)\}", str(env[name]))
        assert match, (name, env[name])
        field = Settings.model_fields[name.removeprefix("LINKWATCH_").lower()]
        assert int(match.group(1)) == field.default, name
    assert load()["services"]["topic-init"]["command"] == ["topics", "create"]
