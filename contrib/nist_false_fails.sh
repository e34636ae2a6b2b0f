#!/usr/bin/env bash
# How often does `--battery nist` fail a good generator? For each sequence length, RUNS runs of
# `rngaudit run chacha20 --battery nist --seqs 20 --seed S` (S = 1..RUNS: fixed ChaCha20 streams)
# and the number of them that exit 1 (the family-wise verdict fails). Per length it also prints
# which tests were measured and which were skipped, and which tests the failing cells belong to.
#
# The family-wise rule promises at most 1% false fails; with 200 runs, 5 or fewer fails is within
# the 99% upper band of Binomial(200, 0.01) (P(X >= 6) = 0.0165, P(X >= 7) = 0.0046).
#
# Usage: contrib/nist_false_fails.sh [BINARY] [RUNS] [LENGTHS...]
#   BINARY   rngaudit to measure (default: target/release/rngaudit)
#   RUNS     runs per length (default: 200)
#   LENGTHS  --seq-bits values (default: 1000 10000 100000 1000000)
# Environment: JOBS, parallel runs (default 2; each run uses one thread); SEQS, sequences per
# run (default 20).
set -euo pipefail

bin=${1:-target/release/rngaudit}
runs=${2:-200}
shift $(($# < 2 ? $# : 2))
lengths=("$@")
if [ ${#lengths[@]} -eq 0 ]; then
    lengths=(1000 10000 100000 1000000)
fi
jobs=${JOBS:-2}
seqs=${SEQS:-20}
bin=$(realpath "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One run: its exit status, and its summary.csv kept as $work/N/S.csv.
one_run() {
    local bin=$1 n=$2 seed=$3 dir=$4 seqs=$5
    local status=0
    "$bin" run chacha20 --battery nist --seq-bits "$n" --seqs "$seqs" --seed "$seed" --threads 1 \
        --out "$dir/$seed" >/dev/null 2>"$dir/$seed.err" || status=$?
    mv "$dir/$seed/summary.csv" "$dir/$seed.csv"
    rm -rf "$dir/$seed"
    echo "$seed $status" >>"$dir/status"
}
export -f one_run

printf '%-9s %-7s %s\n' "seq-bits" "fails" "of runs (exit 1)"
for n in "${lengths[@]}"; do
    dir=$work/$n
    mkdir -p "$dir"
    seq 1 "$runs" | xargs -P "$jobs" -I{} bash -c 'one_run "$@"' _ "$bin" "$n" {} "$dir" "$seqs"
    if awk '$2 != 0 && $2 != 1 { bad = 1 } END { exit !bad }' "$dir/status"; then
        echo "a run ended with an error:" >&2
        cat "$dir"/*.err >&2
        exit 2
    fi
    fails=$(awk '$2 == 1' "$dir/status" | wc -l)
    printf '%-9s %-7s %s\n' "$n" "$fails" "of $runs"
    if [ "$fails" -gt 0 ]; then
        echo "          failing seeds: $(awk '$2 == 1 { print $1 }' "$dir/status" | sort -n | paste -sd ' ')"
    fi
    # summary.csv: source,kind,test[label],streams,pass_proportion,uniformity_p,verdict,expected.
    # A test counts as measured in a run when any of its cells has a measured stream.
    awk -F, -v runs="$runs" '
        FNR == 1 { for (t in here) delete here[t]; for (t in hit) delete hit[t]; next }
        {
            test = $3; sub(/\[.*$/, "", test)
            if (!(test in seen)) { order[++count] = test; seen[test] = 1 }
            if ($4 > 0 && !(test in here)) { here[test] = 1; measured[test]++ }
            if ($7 == "fail") {
                failed_cells[test]++
                if (!(test in hit)) { hit[test] = 1; failed_runs[test]++ }
            }
        }
        END {
            ran = ""; skipped = ""
            for (i = 1; i <= count; i++) {
                t = order[i]
                if (!(t in measured)) skipped = skipped " " t
                else if (measured[t] == runs) ran = ran " " t
                else ran = ran " " t "(" measured[t] "/" runs " runs)"
            }
            print "          measured:" (ran == "" ? " none" : ran)
            print "          skipped: " (skipped == "" ? " none" : skipped)
            for (i = 1; i <= count; i++) {
                t = order[i]
                if (t in failed_cells) printf "          %s: %d failing cells in %d runs\n", t, failed_cells[t], failed_runs[t]
            }
        }' "$dir"/[0-9]*.csv
done
