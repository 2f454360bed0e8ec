"""Small helpers shared by the benchmarks: machine facts, commit, memory, results.

Use from a bench script run as ``python bench/<name>.py`` (this folder is
then on ``sys.path``)::

    from _common import git_commit, machine_info, peak_rss_mb, summarise_ms, write_results
"""

from __future__ import annotations

import atexit
import json
import os
import platform
import resource
import shutil
import subprocess  # noqa: S404 - fixed, read-only git command
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def machine_info() -> dict[str, Any]:
    """Where a number was measured: CPU, cores, memory, load, OS, Python."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory_gb = round(pages * page_size / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gb": memory_gb, "load_avg_1_5_15": load,
        "os": platform.platform(), "python": sys.version.split()[0],
        "hostname": platform.node(),
    }


def git_commit() -> str | None:
    """``git rev-parse HEAD`` (read-only), plus ``+dirty`` when the tree has changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,  # noqa: S603,S607
                              text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S603,S607
                               cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def cpu_seconds(pid: int | None = None, *, children: bool = False) -> float:
    """User + system CPU seconds ``pid`` (default: this process) has used so far
    (``/proc/PID/stat``); with ``children``, its reaped children's too (the link stage's
    snapshot writers).  0.0 for a process that is gone."""
    if pid is None:
        t = os.times()
        return t.user + t.system + (t.children_user + t.children_system if children else 0.0)
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15 if children else 13]) / os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, ``q`` in 0..100."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarise_ms(seconds: Sequence[float]) -> dict[str, float]:
    """Per-item timings in seconds -> mean / p50 / p99 / max in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "mean_ms": round(sum(ms) / len(ms), 4) if ms else float("nan"),
        "p50_ms": round(percentile(ms, 50), 4),
        "p99_ms": round(percentile(ms, 99), 4),
        "max_ms": round(max(ms), 4) if ms else float("nan"),
    }


def write_results(path: str | Path, results: Any, **extra: Any) -> Path:
    """Write ``results`` with machine info, commit and time to ``path`` (JSON)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "machine": machine_info(),
        **extra,
        "results": results,
    }
    target.write_text(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")
    return target


def scratch_dir(prefix: str = "lw-bench-") -> str:
    """A data directory for a bench's workers (their snapshots and the link view, which
    grows with every report), removed when the bench exits."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path
