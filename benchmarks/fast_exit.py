"""What the CLI's fast exit (cli/main.py) saves on a warm one-sentence run, side by side.

    python benchmarks/fast_exit.py --runs 5

Fresh processes, the variants interleaved so that both see the same load: `echo text |
jpt-redact - -p default -q` with JPT_REDACT_FAST_EXIT=1 (the default) and =0, and, for the
floor, `python -c "import torch"` with and without `os._exit`. Run it once first (or after
`jpt-redact info`) so the model cache is warm. Prints the median wall seconds of each.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

TEXT = b"Call Aisha Rahman at 415-555-2671.\n"
VARIANTS = {
    "cli, fast exit": ([sys.executable, "-m", "jpt_redact.cli.main", "-", "-p", "default", "-q"], "1"),
    "cli, ordinary exit": ([sys.executable, "-m", "jpt_redact.cli.main", "-", "-p", "default", "-q"], "0"),
    "import torch": ([sys.executable, "-c", "import torch"], "1"),
    "import torch, os._exit": ([sys.executable, "-c", "import torch, os; os._exit(0)"], "1"),
}


def timed(cmd: list[str], fast: str) -> float:
    env = {**os.environ, "JPT_REDACT_FAST_EXIT": fast}
    t = time.perf_counter()
    subprocess.run(cmd, input=TEXT, env=env, capture_output=True, check=True, timeout=300)
    return time.perf_counter() - t


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="runs per variant (interleaved)")
    args = ap.parse_args(argv)
    timed(*VARIANTS["cli, fast exit"])  # warm-up: caches, page cache
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(args.runs):
        for name, (cmd, fast) in VARIANTS.items():
            times[name].append(timed(cmd, fast))
    for name, values in times.items():
        print(f"{name:24s} median {statistics.median(values):.2f} s  ({', '.join(f'{v:.2f}' for v in values)})")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
