"""`python -m benchmarks.export_child ARGS`: `cadence-bot ARGS`, then its own peak memory.

The peak is the kernel's high-water mark of this process's address space (VmHWM), which starts
fresh at exec; `wait4`'s ru_maxrss would also count the parent's pages at fork.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.cli import main


def peak_rss_kib() -> int:
    """VmHWM of this process, in KiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


if __name__ == "__main__":
    code = main(sys.argv[1:])
    print(f"peak VmHWM {peak_rss_kib()} kB", file=sys.stderr)
    sys.exit(code)
