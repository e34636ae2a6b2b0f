#!/usr/bin/env bash
# The false-alarm rate of `file`'s checkpoints on a good generator: N streams of fixed-seed
# ChaCha20 (seeds 1..N), each piped into `rngaudit file -` to BYTES, judged at every doubling
# from 2^10 bytes with reading stopped at the first failing look. Prints how many failed, where,
# and the exact 99% Clopper–Pearson band of the rate, which should hold 1% (the rule's α) or
# less.
# Usage: contrib/checkpoint_calibration.sh BINARY [N=200] [BYTES=1G]   (JOBS=2 streams at once)
set -euo pipefail
bin=$1
n=${2:-200}
bytes=${3:-1G}
jobs=${JOBS:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export bin bytes out
seq 1 "$n" | xargs -P "$jobs" -I{} sh -c \
    '"$bin" dump chacha20 --seed {} --bytes "$bytes" | "$bin" file - --json --threads 1 \
        > "$out/{}.json" 2>/dev/null || true'
python3 - "$out" "$n" <<'PY'
import json, os, sys
from math import comb
out, n = sys.argv[1], int(sys.argv[2])
fails, looks, lengths = [], None, []
for seed in range(1, n + 1):
    with open(os.path.join(out, f"{seed}.json")) as f:
        doc = json.load(f)
    looks = len(doc["checkpoints"]) if looks is None else looks
    lengths.append(doc["bytes_analysed"])
    if doc["first_fail_bytes"] is not None:
        fails.append((seed, doc["first_fail_bytes"],
                      [t["test"] for t in doc["checkpoints"][-1]["failing"]]))
def band(k, n, conf=0.99):
    # Exact Clopper–Pearson bounds by bisection on the binomial tails.
    def tail_ge(p): return sum(comb(n, i) * p**i * (1-p)**(n-i) for i in range(k, n + 1))
    def tail_le(p): return sum(comb(n, i) * p**i * (1-p)**(n-i) for i in range(0, k + 1))
    a = (1 - conf) / 2
    def solve(f, target, increasing):
        lo, hi = 0.0, 1.0
        for _ in range(100):
            mid = (lo + hi) / 2
            if (f(mid) < target) == increasing: lo = mid
            else: hi = mid
        return (lo + hi) / 2
    low = 0.0 if k == 0 else solve(tail_ge, a, True)
    high = 1.0 if k == n else solve(tail_le, a, False)
    return low, high
low, high = band(len(fails), n)
print(f"streams {n}, read to {max(lengths)} bytes each ({looks} looks when none fails)")
print(f"failed anywhere: {len(fails)}/{n} = {len(fails)/n:.4f}; 99% band [{low:.4f}, {high:.4f}]; "
      f"rule's bound 0.01: {'inside' if low <= 0.01 else 'ABOVE'}")
for seed, at, tests in fails:
    print(f"  seed {seed}: failed at {at} bytes: {', '.join(tests)}")
PY
