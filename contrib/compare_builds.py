#!/usr/bin/env python3
"""Two builds of rngaudit on the same files: are their outputs identical, and which is faster?

A speed-up must not change a single output. For every FILE and thread count this runs
`rngaudit file FILE --battery deep --threads T --format json --keep-going` with both builds and
compares the JSON byte for byte, leaving out only the lines that name the run (date, git commit,
dirty flag); it prints the first differing line when they differ. Then it times both builds on
the first FILE, alternating (A, B, A, B, ...) so that a busy machine slows both alike, and prints
each build's median and smallest CPU seconds (user + system of its own process: what one core
spends, less moved by other tenants than wall time) and the ratio of the medians.

Usage: contrib/compare_builds.py OLD NEW FILE [FILE...] [--threads 1,2] [--rounds 15]
                                 [--time-threads 1] [--battery deep]
Example (the session that added this script):
  cp target/release/rngaudit /tmp/rngaudit.before   # before the change
  cargo build --release
  contrib/compare_builds.py /tmp/rngaudit.before target/release/rngaudit /tmp/c256.bin /tmp/c1M.bin
"""

import argparse
import os
import statistics
import subprocess
import sys

# JSON lines that name the run, not its results.
RUN_KEYS = ('"date"', '"git_commit"', '"git_dirty"')


def outputs(binary, path, battery, threads):
    """The JSON report of one run, without the lines that name the run."""
    done = subprocess.run(
        [binary, "file", path, "--battery", battery, "--threads", str(threads),
         "--format", "json", "--keep-going"],
        capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        sys.exit(f"{binary} on {path} exited {done.returncode}: {done.stderr.strip()}")
    return [line for line in done.stdout.splitlines()
            if not line.strip().startswith(RUN_KEYS)]


def cpu_seconds(binary, path, battery, threads):
    """User + system seconds of one run's own process."""
    tool = subprocess.Popen([binary, "file", path, "--battery", battery, "--threads", str(threads)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(tool.pid, 0)
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--time-threads", type=int, default=1)
    parser.add_argument("--battery", default="deep")
    args = parser.parse_args()

    same = True
    for path in args.files:
        for threads in args.threads.split(","):
            old = outputs(args.old, path, args.battery, threads)
            new = outputs(args.new, path, args.battery, threads)
            if old == new:
                print(f"identical: {path} at {threads} thread(s), {len(old)} lines")
                continue
            same = False
            first = next((k for k, (a, b) in enumerate(zip(old, new)) if a != b),
                         min(len(old), len(new)))
            print(f"DIFFERENT: {path} at {threads} thread(s), first at line {first + 1}:")
            print(f"  old: {old[first] if first < len(old) else '(end)'}")
            print(f"  new: {new[first] if first < len(new) else '(end)'}")

    times = {args.old: [], args.new: []}
    for _ in range(args.rounds):
        for binary in (args.old, args.new):
            times[binary].append(cpu_seconds(binary, args.files[0], args.battery,
                                             args.time_threads))
    medians = {}
    for label, binary in (("old", args.old), ("new", args.new)):
        medians[label] = statistics.median(times[binary])
        print(f"{label}: {binary}: CPU s median {medians[label]:.3f}, "
              f"min {min(times[binary]):.3f} ({args.rounds} rounds, "
              f"--threads {args.time_threads}, {args.files[0]})")
    print(f"old / new (medians): {medians['old'] / medians['new']:.3f}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
