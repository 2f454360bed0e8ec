"""``linkwatch demo``: the whole pipeline on the embedded stack, in one command."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid

from rich.console import Console

from linkwatch.config import get_settings
from linkwatch.stack import running_stack, spawn_child, stop_process

console = Console()


def start_worker(env: dict[str, str], log_path: str | None = None,
                 stages: tuple[str, ...] = (),
                 entry: tuple[str, ...] = ("-m", "linkwatch.cli")) -> subprocess.Popen[bytes]:
    """A worker in a child process (its own Faust app), using the given stack.
    ``entry``: what ``python`` runs, before the ``worker`` command."""
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    argv = [sys.executable, *entry, "worker", "-l", "info"]
    for stage in stages:
        argv += ["--stage", stage]
    return spawn_child(argv, env={**os.environ, **env}, output=log)


async def _watch(settings, scenario, seconds: float) -> tuple[list, list]:  # type: ignore[no-untyped-def]
    from linkwatch.cli import _render_alert, _render_referral
    from linkwatch.ingest import send_reports
    from linkwatch.streams import topics
    from linkwatch.watch import read_topic

    await send_reports(settings, scenario.reports)
    console.print(f"[green]sent[/] {len(scenario.reports)} synthetic reports")
    alerts: list = []
    referrals: list = []

    async def follow(topic: str, sink: list, render) -> None:  # type: ignore[no-untyped-def]
        async for _key, value in read_topic(settings, topics.name(settings, topic), follow=True):
            sink.append(value)
            console.print(("[bold red]ALERT[/] " if sink is alerts else "[cyan]REFERRAL[/] ")
                          + render(value))

    tasks = [asyncio.create_task(follow(topics.ALERTS, alerts, _render_alert)),
             asyncio.create_task(follow(topics.REFERRALS, referrals, _render_referral))]
    deadline = time.monotonic() + seconds
    want_refs = len(scenario.expected_referrals)
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        if len(referrals) >= want_refs and len(alerts) >= len(scenario.planted):
            await asyncio.sleep(2.0)  # let late versions arrive
            break
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return alerts, referrals


def serve_page(env: dict[str, str], port: int) -> None:
    """Keep the stack up and serve the analyst page on the demo's data until Ctrl-C."""
    from linkwatch.api.auth import DEV_KEYS

    page = spawn_child([sys.executable, "-m", "linkwatch.cli", "serve", "--port", str(port)],
                       env={**os.environ, **env, "LINKWATCH_DEV_MODE": "1"})
    key = DEV_KEYS.split(",")[0].split(":")[0]
    console.rule("analyst page")
    console.print(f"open http://127.0.0.1:{port}/ and sign in with the development key "
                  f"[bold]{key}[/] (analyst); Ctrl-C stops everything")
    try:
        while page.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop_process(page)


def run_demo(seconds: float = 90.0, background: int = 60, seed: int = 7,
             serve_port: int | None = None) -> int:
    from linkwatch.demo_scenario import generate
    from linkwatch.kafka import ensure_topics

    settings = get_settings()
    with running_stack(settings.kafka_bootstrap, settings.redis_url) as stack:
        from linkwatch.demo_scenario import KNOWN_HUBS

        env = {**stack.env(), "LINKWATCH_APP_ID": f"linkwatch-demo-{uuid.uuid4().hex[:8]}",
               # the force's list of known innocent hubs (here: the demo bank's switchboard)
               "LINKWATCH_DETECTOR_HUB_IGNORE": ",".join(KNOWN_HUBS)}
        os.environ.update(env)
        get_settings.cache_clear()
        settings = get_settings()
        console.print(f"[green]stack[/]: Kafka {stack.bootstrap} "
                      f"({'embedded Tansu' if stack.broker else 'external'}), "
                      f"Redis {stack.redis_url} ({'embedded' if stack.redis else 'external'})")
        asyncio.run(ensure_topics(settings))
        worker = start_worker(env)
        try:
            scenario = generate(seed=seed, background=background)
            alerts, referrals = asyncio.run(_watch(settings, scenario, seconds))
            _summary(scenario, alerts, referrals)
            if serve_port:
                serve_page(env, serve_port)
            else:
                console.print("run [bold]linkwatch demo --serve[/] to see these alerts in the "
                              "analyst page")
        except KeyboardInterrupt:
            console.print("interrupted")
            return 130
        finally:
            stop_process(worker)
    return _verdict(scenario, alerts)


def _judge(scenario, alerts: list) -> tuple[set[str], set[str], list]:  # type: ignore[no-untyped-def]
    """(planted structures, those an alert names, alerts naming an innocent hub)."""
    planted = {p.entity for p in scenario.planted}
    named = {e["entity_id"] for a in alerts for e in a.get("entities", [])}
    decoys = [a for a in alerts if any(e["entity_id"] in scenario.decoys
                                       for e in a.get("entities", []))]
    return planted, named & planted, decoys


def _summary(scenario, alerts: list, referrals: list) -> None:  # type: ignore[no-untyped-def]
    planted, hit, decoys = _judge(scenario, alerts)
    console.rule("summary")
    console.print(f"alerts: {len(alerts)} (planted structures found {len(hit)}/{len(planted)}, "
                  f"alerts on innocent hubs: {len(decoys)})")
    console.print(f"referrals: {len(referrals)} (expected {len(scenario.expected_referrals)})")


def _verdict(scenario, alerts: list) -> int:  # type: ignore[no-untyped-def]
    planted, hit, decoys = _judge(scenario, alerts)
    return 0 if hit == planted and not decoys else 1
