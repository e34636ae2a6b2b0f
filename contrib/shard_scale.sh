#!/usr/bin/env bash
# Shard state sizes and merge time and memory at 4, 64 and 1,024 shards (issue #13 §3; the
# README's "Scale, measured" table): ChaCha20 (seed 1) cut into N shards, every shard run
# (two at a time, --threads 1), then `merge` timed by /usr/bin/time. Needs about 7 GB of disk
# for the 1,024 deep states; states are deleted after each row.
# Usage: contrib/shard_scale.sh BINARY [WORKDIR=/tmp/shard-scale]
set -u
bin=$1
work=${2:-/tmp/shard-scale}
rm -rf "$work" && mkdir -p "$work"
measure() { # name battery streams bytes N
    local name=$1 battery=$2 streams=$3 bytes=$4 n=$5 dir=$work/$1
    mkdir -p "$dir/s"
    local t0 t1 total largest rc mt rss
    t0=$(date +%s.%N)
    seq 0 $((n - 1)) | xargs -P 2 -I{} "$bin" run chacha20 --battery "$battery" \
        --streams "$streams" --bytes "$bytes" --seed 1 --threads 1 --shard "{}/$n" \
        --state-out "$dir/s/shard-{}.json" 2>/dev/null
    t1=$(date +%s.%N)
    total=$(du -cb "$dir"/s/*.json | tail -1 | cut -f1)
    largest=$(find "$dir/s" -name '*.json' -printf '%s\n' | sort -n | tail -1)
    /usr/bin/time -f "%e %M" -o "$dir/merge_time" "$bin" merge "$dir"/s/*.json \
        --out "$dir/merged" >/dev/null 2>&1
    rc=$?
    read -r mt rss <"$dir/merge_time"
    printf "%-26s battery=%-7s streams=%-5s bytes=%-3s N=%-5s shards %6.1f s, states %9.1f MB, largest %6.2f MB, merge %6.2f s, %7.1f MB, rc %s\n" \
        "$name" "$battery" "$streams" "$bytes" "$n" "$(echo "$t1 - $t0" | bc)" \
        "$(echo "$total / 1000000" | bc -l)" "$(echo "$largest / 1000000" | bc -l)" \
        "$mt" "$(echo "$rss / 1000" | bc -l)" "$rc"
    rm -rf "$dir/s"
}
for n in 4 64 1024; do measure "one-default-1G-$n" default 1 1G "$n"; done
measure one-default-4G-4 default 1 4G 4
for n in 4 64 1024; do measure "one-deep-1G-$n" deep 1 1G "$n"; done
for n in 4 64 1024; do measure "many-default-1024x1M-$n" default 1024 1M "$n"; done
