"""The analyst page end to end in Debian's headless Chromium (Playwright drives it;
no browser is downloaded): sign in, see an alert raised while watching, open it,
expand a node of its link chart, export GraphML and read the file back, then search
for an account as written and a person by name and open each hit's neighbourhood.

Needs ``apt-get install chromium`` and ``pip install playwright`` (the Python
package only: never ``playwright install``); skipped, with that advice, without them."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import networkx as nx
import pytest
from conftest import ARTIFACTS, Env
from test_api import KEYS, start_api
from test_pipeline_e2e import mule_reports

from linkwatch.ingest import send_reports

pytestmark = pytest.mark.integration

CHROMIUM = next((p for p in (os.environ.get("LINKWATCH_CHROMIUM"), "/usr/lib/chromium/chromium",
                             shutil.which("chromium"), shutil.which("chromium-browser")) if p
                 and Path(p).is_file()), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def wait_until(page, predicate: str, arg: object = None,  # type: ignore[no-untyped-def]
               timeout_s: float = 30.0) -> None:
    """Poll ``predicate`` (a JS function) from here.  ``page.wait_for_function`` polls
    inside the page, where Playwright evaluates the string with ``eval``: the page's
    Content-Security-Policy (no 'unsafe-eval') refuses that whenever the first check
    fails, so it passed or failed with timing."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(predicate, arg):
        assert time.monotonic() < deadline, f"not true within {timeout_s} s: {predicate}"
        page.wait_for_timeout(100)


@pytest.fixture
def browser_page():  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="pip install playwright (the package only)")
    if CHROMIUM is None:
        advice = "no Chromium: apt-get install -y chromium (Debian's; nothing is downloaded)"
        if os.environ.get("CI"):
            pytest.fail(advice + " -- scripts/test installs it when run as root")
        pytest.skip(advice)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        context = browser.new_context(viewport={"width": 1440, "height": 900},
                                      accept_downloads=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield page, errors
        context.close()
        browser.close()


def _person(ref: str = "v1", role: str = "victim", **over):  # type: ignore[no-untyped-def]
    return {"person_ref": ref, "role": role, "dob": "1980-05-06", **over}


def _report(kind: str = "incident", **over):  # type: ignore[no-untyped-def]
    return {"kind": kind, "source": "test", "persons": [], **over}


def test_analyst_page(stack, browser_page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page, errors = browser_page
    env = Env(stack)
    try:
        env.start_worker()
        _proc, url = start_api(env)

        page.goto(url)
        page.get_by_label("API key").fill(KEYS["analyst"])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("#workspace:not([hidden])")
        assert page.locator("#who-name").inner_text() == "alice"
        page.wait_for_selector("#live.on")  # the stream is open before the alert exists

        with ThreadPoolExecutor(1) as pool:  # Playwright's own loop runs in this thread
            pool.submit(asyncio.run, send_reports(env.settings,
                                                  mule_reports(_report, _person))).result()
        item = page.locator(".alert-item", has_text="3 reports")
        item.wait_for(timeout=120_000)  # arrived through the stream, no reload
        item.click()

        page.wait_for_selector("#detail-body:not([hidden])")
        assert page.locator("#reasons li").count() >= 1
        assert sorted(page.locator("#evidence tr td:first-child").all_inner_texts()) == [
            "MULE-0", "MULE-1", "MULE-2"]
        wait_until(page, "() => Boolean(state.cy && state.cy.nodes().length > 0)")

        node = "account:401162-31926819"
        box = page.locator("#chart").bounding_box()
        pos = page.evaluate(f"state.cy.getElementById('{node}').renderedPosition()")
        page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
        page.locator("#node-details").get_by_text(node).wait_for()
        with httpx.Client(base_url=url, headers={"X-API-Key": KEYS["analyst"]}) as c:
            hood = c.get("/api/entities/neighbourhood", params={"node": node}).json()
        want = [n["data"]["id"] for n in hood["elements"]["nodes"]]
        wait_until(page, "ids => ids.every(id => state.cy.getElementById(id).nonempty())", want)

        page.get_by_label("Recipient").fill("DS Patel, ROCU")
        with page.expect_download() as download:
            page.get_by_role("button", name="GraphML").click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        g = nx.read_graphml(path)
        assert node in g and {f"report:MULE-{i}" for i in range(3)} <= set(g.nodes)

        # search: an account as written, then a name with a date of birth; a hit opens
        # its neighbourhood in the chart
        page.get_by_label("Identifier or name").fill("40-11-62 31926819")
        page.get_by_label("Identifier or name").press("Enter")
        hit = page.locator(f".hit-item[data-node-id='{node}']")
        hit.wait_for()
        assert "3 reports" in hit.inner_text() and " alert" in hit.inner_text(), hit.inner_text()
        page.evaluate("state.cy.destroy(); state.cy = null")  # so the chart is surely redrawn
        hit.click()
        wait_until(page, "ids => Boolean(state.cy) && ids.every(id => "
                         "state.cy.getElementById(id).nonempty())", want)
        assert page.evaluate(f"state.cy.getElementById('{node}').selected()")
        assert page.locator("#status-bar").is_hidden()  # an entity, not an alert
        assert page.locator("#hit-alerts button").count() >= 1
        page.get_by_label("Identifier or name").fill("Victim 1")
        page.get_by_label("Date of birth").fill("02/01/1951")
        page.get_by_role("button", name="Search", exact=True).click()
        person = page.locator(".hit-item", has_text="name and date of birth")
        person.wait_for()
        assert page.locator(".hit-item").count() == 1 and "Victim 1" in person.inner_text()
        person.click()
        page.locator("#detail-title", has_text="Victim 1").wait_for()
        wait_until(page, "() => state.cy.nodes().some(n => n.data('kind') === 'person' "
                         "&& n.selected()) && state.cy.getElementById('report:MULE-1').nonempty()")

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "page.png"), full_page=True)
        assert not errors, errors
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)  # what the page showed when it went wrong
        page.screenshot(path=str(ARTIFACTS / "page-failure.png"), full_page=True)
        raise
    finally:
        env.stop()
