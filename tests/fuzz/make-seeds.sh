#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
# SPDX-License-Identifier: BSD-3-Clause
#
# Usage: make-seeds.sh TESTWORKER OUTDIR
#
# Writes the fuzzer's seed corpus into OUTDIR: one result file per mode of the test worker
# (tests/testworker), written by the real worker machinery, good ones and broken ones; and the
# results of workers handed some of those as their input file (--input), which the same reader
# parses: one that the worker takes, and broken ones that it refuses, saying why in its result. It
# needs only a built test worker and knows nothing of the task, so it works on any task swapped in.
# The token is the fuzzer's own (fuzz_resultfile.cpp), so that the seeds pass its token check.
set -euo pipefail

if (($# != 2)); then
    echo "usage: $0 TESTWORKER OUTDIR" >&2
    exit 2
fi
testworker=$1
out=$2
token=fuzz-token

mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A worker with --result runs while someone holds the host.lock beside its file, as the app does:
# this script holds it (flock, the kernel lock that QLockFile also takes) until it exits.
exec 9>"$work/host.lock"
flock -n 9

# NAME MODE [MIB [INPUT [STATUS]]]: the file that `testworker --worker` leaves in a result file
# made for it, given the input file INPUT (a seed made before) if not empty. STATUS: the exit
# codes allowed, by default 0 (a result, or a broken file as asked) and 2 (the job threw, and the
# file says so); 4 is a worker that refused its input file, and wrote why.
seed() {
    local name=$1 mode=$2 mib=${3:-1} input=${4:-} allowed=${5:-"0 2"} status=0
    local options=(--worker --result "$work/$name" --token "$token")
    [[ -z $input ]] || options+=(--input "$out/$input")
    : >"$work/$name" # the worker writes only into a file that exists
    TESTWORKER_MODE=$mode TESTWORKER_MILLIS=0 TESTWORKER_MIB=$mib \
        "$testworker" "${options[@]}" >"$work/$name.out" 2>&1 || status=$?
    if [[ " $allowed " != *" $status "* ]] || [[ ! -s $work/$name ]]; then
        echo "make-seeds.sh: the test worker in mode $mode exited with $status and wrote" \
            "$(stat -c %s "$work/$name") bytes:" >&2
        cat "$work/$name.out" >&2
        exit 1
    fi
    mv "$work/$name" "$out/$name"
}

seed ok ok
seed big-0 big 0
seed big-1 big 1
for mode in throw garbage truncated version hugelength hugeresult foreign; do
    seed "$mode" "$mode"
done
# Input files: a good one (a result of mode ok has an input file's shape: the token, no error,
# data), echoed back by the worker, then broken ones, refused.
seed input-echo echo 1 ok
for input in garbage truncated version foreign; do
    seed "input-$input" ok 1 "$input" 4
done
