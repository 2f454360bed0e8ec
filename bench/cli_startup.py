"""How long ``linkwatch`` takes to answer its quickest commands (issue 22: ``export --help``
took 2.1 s, every heavy module imported at start; target under 0.5 s).

    python bench/cli_startup.py [--runs 5]

Runs each command as a new process (the installed ``linkwatch`` script, stdout to a pipe),
``--runs`` times after one warm-up, and reports the wall time of each; also the modules the
``--help`` process imported from faust, networkx, fastapi, matplotlib and followthemoney
(none expected). Writes bench/results/cli_startup.json (machine, commit).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import summarise_ms, write_results  # noqa: E402

COMMANDS = [["--help"], ["--version"], ["export", "--help"], ["report", "outcomes", "--help"],
            ["serve", "--help"]]
TARGET_S = 0.5
HEAVY = ("faust", "networkx", "fastapi", "matplotlib", "followthemoney")


def linkwatch() -> list[str]:
    script = Path(sys.executable).with_name("linkwatch")
    if script.exists():
        return [str(script)]
    found = shutil.which("linkwatch")
    return [found] if found else [sys.executable, "-m", "linkwatch.cli"]


def time_command(argv: list[str], runs: int) -> list[float]:
    cmd = [*linkwatch(), *argv]
    subprocess.run(cmd, capture_output=True, check=True, timeout=60)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, timeout=60)
        times.append(time.perf_counter() - start)
    return times


def heavy_modules_on_help() -> list[str]:
    code = ("import sys\nfrom linkwatch.cli import main\nsys.argv = ['linkwatch', '--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{HEAVY!r}), file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    return eval(run.stderr.strip().splitlines()[-1])  # noqa: S307 - our own repr of a list


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = {}
    print(f"{'command':32} {'mean s':>7} {'max s':>7}")
    for argv in COMMANDS:
        times = time_command(argv, args.runs)
        summary = summarise_ms(times)
        results["linkwatch " + " ".join(argv)] = {**summary, "runs_s": [round(t, 3) for t in times],
                                                  "under_target": max(times) < TARGET_S}
        print(f"{'linkwatch ' + ' '.join(argv):32} {summary['mean_ms'] / 1000:7.3f} "
              f"{summary['max_ms'] / 1000:7.3f}")
    heavy = heavy_modules_on_help()
    print(f"heavy modules imported by --help: {heavy or 'none'}")
    path = write_results(Path(__file__).parent / "results" / "cli_startup.json", results,
                         runs=args.runs, target_s=TARGET_S, heavy_modules_on_help=heavy,
                         command=" ".join(["python bench/cli_startup.py", *sys.argv[1:]]))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
