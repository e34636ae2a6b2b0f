#!/usr/bin/env bash
# Submits one rngaudit audit to Slurm as N array tasks (shard.sbatch) and its merge
# (merge.sbatch) with --dependency=afterok:<array job id>, and prints both job ids.
#
#   contrib/slurm/submit.sh [options] -- <rngaudit arguments>
#   contrib/slurm/submit.sh -n 4 -s /shared/audit1 -- run chacha20 --streams 1 --bytes 1G --seed 1
#
# Options (each also read from the environment variable in brackets):
#   -n, --shards N        number of shards, the array's size (RNGAUDIT_SHARDS; required)
#   -s, --state-dir DIR   shard states, job logs and (by default) the report; on a file system
#                         every node sees (RNGAUDIT_STATE_DIR; required)
#   -o, --out DIR         the merged report (RNGAUDIT_OUT; default DIR/report)
#   -b, --bin PATH        the rngaudit binary (RNGAUDIT_BIN; default: rngaudit on PATH)
#   -t, --tasks LIST      submit only these array tasks, e.g. 2 or 1,3 (resubmitting failed
#                         ones), and a new merge after them; the other states must be there
#   -a, --sbatch-arg ARG  passed to both sbatch calls (repeatable), e.g. -a --partition=long
#       --no-merge        the array only
#
# Prints `array <id>` and `merge <id>` on stdout (nothing else), so scripts can read them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
    exit 2
}
fail() {
    echo "submit.sh: $*" >&2
    exit 2
}

shards=${RNGAUDIT_SHARDS:-}
state_dir=${RNGAUDIT_STATE_DIR:-}
out=${RNGAUDIT_OUT:-}
bin=${RNGAUDIT_BIN:-rngaudit}
tasks=
merge=1
sbatch_args=()
while (($# > 0)); do
    case $1 in
    -n | --shards) shards=${2:?$1 needs a value}; shift 2 ;;
    -s | --state-dir) state_dir=${2:?$1 needs a value}; shift 2 ;;
    -o | --out) out=${2:?$1 needs a value}; shift 2 ;;
    -b | --bin) bin=${2:?$1 needs a value}; shift 2 ;;
    -t | --tasks) tasks=${2:?$1 needs a value}; shift 2 ;;
    -a | --sbatch-arg) sbatch_args+=("${2:?$1 needs a value}"); shift 2 ;;
    --no-merge) merge=; shift ;;
    -h | --help) usage ;;
    --) shift; break ;;
    *) fail "unknown option $1 (the rngaudit arguments come after --)" ;;
    esac
done
(($# > 0)) || fail "no rngaudit arguments after -- (e.g. -- run chacha20 --streams 64 --bytes 16M --seed 1)"
[[ $shards =~ ^[1-9][0-9]*$ ]] || fail "--shards N is required (a positive count)"
[[ -n $state_dir ]] || fail "--state-dir DIR is required"
[[ -z $tasks || $tasks =~ ^[0-9]+([,-][0-9]+)*$ ]] || fail "--tasks $tasks: expected e.g. 2 or 1,3 or 0-1"
for arg in "$@"; do
    # The shard's own flags are added per task; given here they would collide.
    case $arg in --shard | --shard=* | --state-out | --state-out=* | --out | --out=*)
        fail "$arg is set per task by shard.sbatch; leave it out of the rngaudit arguments" ;;
    esac
done

mkdir -p "$state_dir"
# Absolute paths: a job runs in the submission directory by default, but its environment may
# be read again on another node or after a cd.
state_dir=$(cd "$state_dir" && pwd)
out=${out:-$state_dir/report}
if [[ $bin == */* ]]; then
    [[ -f $bin && -x $bin ]] || fail "$bin is not an executable"
    bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
fi

# The job ids of `sbatch --parsable`: "id" or "id;cluster".
submit() {
    local id
    id=$(sbatch --parsable "$@") || fail "sbatch $* failed"
    id=${id%%;*}
    [[ $id =~ ^[0-9]+$ ]] || fail "sbatch printed '$id', not a job id"
    echo "$id"
}

# RNGAUDIT_SHARDS travels with the job (the default --export=ALL), so a task of a partial
# resubmission still knows N.
export RNGAUDIT_BIN=$bin RNGAUDIT_STATE_DIR=$state_dir RNGAUDIT_SHARDS=$shards RNGAUDIT_OUT=$out
array=$(submit --array="${tasks:-0-$((shards - 1))}" --output="$state_dir/shard-%a-job%A.log" \
    ${sbatch_args[@]+"${sbatch_args[@]}"} "$here/shard.sbatch" "$@")
echo "array $array"
if [[ -n $merge ]]; then
    # --kill-on-invalid-dep: if a task fails the merge can never run; cancel it rather than
    # leave it pending (DependencyNeverSatisfied) for ever.
    mergeid=$(submit --dependency="afterok:$array" --kill-on-invalid-dep=yes \
        --output="$state_dir/merge-%j.log" ${sbatch_args[@]+"${sbatch_args[@]}"} "$here/merge.sbatch")
    echo "merge $mergeid"
fi
