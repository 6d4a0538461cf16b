#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
# SPDX-License-Identifier: BSD-3-Clause
#
# Usage: make-seeds.sh TESTWORKER OUTDIR
#
# Writes the fuzzer's seed corpus into OUTDIR: one result file per mode of the test worker
# (tests/testworker), written by the real worker machinery, good ones and broken ones. It needs
# only a built test worker and knows nothing of the task, so it works on any task swapped in.
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

# NAME MODE [MIB]: the file that `testworker --worker` leaves in a result file made for it.
seed() {
    local name=$1 mode=$2 mib=${3:-1} status=0
    : >"$work/$name" # the worker writes only into a file that exists
    TESTWORKER_MODE=$mode TESTWORKER_MILLIS=0 TESTWORKER_MIB=$mib \
        "$testworker" --worker --result "$work/$name" --token "$token" \
        >"$work/$name.out" 2>&1 || status=$?
    # 0: a result, or a broken file as asked; 2: the job threw, and the file says so.
    if ((status != 0 && status != 2)) || [[ ! -s $work/$name ]]; then
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
