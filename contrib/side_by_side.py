#!/usr/bin/env python3
"""rngaudit beside its peers on the same bytes, timed in one run.

Times `rngaudit file` (at the thread counts given), Debian's `ent` and PractRand's
`RNG_test stdin` (its defaults: core tests, standard folding) on one file, round-robin, so
that a busy machine slows every tool alike; prints each tool's median wall time, its MB/s, its
median CPU seconds (user + system of its own process), the ratios of the peers' median wall
times to rngaudit's, and, per core, of their median CPU seconds to one-thread rngaudit's.

PractRand reads ahead and stops with "error reading standard input" at the end of a pipe, so
it is fed the file twice and told to stop at the file's length (`-tlmax`): it analyses exactly
the same bytes and prints its report for them.

Usage: contrib/side_by_side.py RNGAUDIT FILE [--rng-test PATH] [--ent PATH] [--threads 1,2]
                               [--repeats 5] [--battery default]
Build RNG_test with ../shared/peers/build-practrand.sh (it lands in /tmp/practrand/RNG_test).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time


def timed(command, stdin_paths=None):
    """Runs `command` (output discarded) and returns its wall time and the CPU time (user +
    system) of its own process, in seconds. The CPU time is what one core spends on the tool,
    the feeding `cat` left out; it moves less than the wall time when other tenants load the
    machine (a process waiting for a core accrues wall time, not CPU time)."""
    start = time.perf_counter()
    cat = None
    if stdin_paths is not None:
        # `cat` feeds the file(s) through a pipe, as `generator | RNG_test stdin` would.
        cat = subprocess.Popen(["cat", *stdin_paths], stdout=subprocess.PIPE)
    tool = subprocess.Popen(command, stdin=cat.stdout if cat else None,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(tool.pid, 0)
    wall = time.perf_counter() - start
    tool.returncode = 0
    if cat is not None:
        cat.stdout.close()
        cat.kill()
        cat.wait()
    return wall, usage.ru_utime + usage.ru_stime


def practrand_length(size):
    """PractRand's -tlmax takes KB/MB/GB with powers of two."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size % scale == 0:
            return f"{size // scale}{unit}"
    raise SystemExit(f"{size} bytes is not a whole number of KiB; PractRand cannot stop there")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rngaudit")
    parser.add_argument("file")
    parser.add_argument("--rng-test", default="/tmp/practrand/RNG_test")
    parser.add_argument("--ent", default=shutil.which("ent") or "ent")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--battery", default="default")
    args = parser.parse_args()

    size = os.path.getsize(args.file)
    tools = []
    for threads in args.threads.split(","):
        tools.append((f"rngaudit file --threads {threads}",
                      [args.rngaudit, "file", args.file, "--battery", args.battery,
                       "--threads", threads], None))
    if os.access(args.ent, os.X_OK):
        tools.append(("ent", [args.ent, args.file], None))
    else:
        print(f"ent not found at {args.ent}: left out", file=sys.stderr)
    if os.access(args.rng_test, os.X_OK):
        tools.append(("RNG_test stdin", [args.rng_test, "stdin", "-tlmax", practrand_length(size)],
                      [args.file, args.file]))
    else:
        print(f"RNG_test not found at {args.rng_test}: left out", file=sys.stderr)

    # One untimed round brings the file into the page cache for everyone.
    subprocess.run(["cat", args.file], stdout=subprocess.DEVNULL, check=True)
    times = {name: [] for name, _, _ in tools}
    cpu = {name: [] for name, _, _ in tools}
    for _ in range(args.repeats):
        for name, command, stdin_paths in tools:
            wall, used = timed(command, stdin_paths)
            times[name].append(wall)
            cpu[name].append(used)

    mib = size / (1 << 20)
    print(f"{size} bytes ({mib:.0f} MiB) of {args.file}, {args.repeats} rounds, round-robin; "
          f"battery {args.battery}")
    print(f"{'tool':<28} {'median s':>9} {'min s':>7} {'max s':>7} {'MB/s':>8} {'CPU s':>7}")
    medians = {}
    cpu_medians = {}
    for name, _, _ in tools:
        median = statistics.median(times[name])
        medians[name] = median
        cpu_medians[name] = statistics.median(cpu[name])
        print(f"{name:<28} {median:9.3f} {min(times[name]):7.3f} {max(times[name]):7.3f} "
              f"{size / 1e6 / median:8.0f} {cpu_medians[name]:7.3f}")
    for name, _, _ in tools:
        if not name.startswith("rngaudit"):
            continue
        ratios = ", ".join(f"{peer} {medians[peer] / medians[name]:.1f}x"
                           for peer, _, _ in tools if not peer.startswith("rngaudit"))
        print(f"{name}: {ratios} faster (median wall)")
    # Per core: CPU seconds, for rngaudit on one thread (several threads spend more CPU
    # seconds to finish sooner).
    for name, _, _ in tools:
        if name != "rngaudit file --threads 1":
            continue
        ratios = ", ".join(f"{peer} {cpu_medians[peer] / cpu_medians[name]:.1f}x"
                           for peer, _, _ in tools if not peer.startswith("rngaudit"))
        print(f"{name}: {ratios} less CPU time (median CPU seconds, one core each)")

if __name__ == "__main__":
    main()
