#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
# SPDX-License-Identifier: BSD-3-Clause
#
# Usage: make-seeds.sh TESTWORKER OUTDIR
#
# Writes the fuzzer's seed corpus into OUTDIR: the result file that the test worker
# (tests/testworker) leaves in each of its modes that write one, good ones and broken ones, written
# by the real worker machinery. Each worker is given an input file as the waiter writes it (the
# header with the fuzzer's token, then a TestJob's part: a QByteArray), so that the results carry
# the token of fuzz_resultfile.cpp and pass its token check. It needs only a built test worker and
# knows nothing of the task, so it works on any task swapped in.
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
# A worker runs while someone holds the host.lock beside its files, as the app does: this script
# holds it (flock, the kernel lock that QLockFile also takes) until it exits.
exec 9>"$work/host.lock"
flock -n 9

be32() { # a big-endian quint32, as QDataStream writes lengths
    # shellcheck disable=SC2059 # the format is made of the bytes' octal escapes
    printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) \
        $(($1 >> 8 & 255)) $(($1 & 255)))"
}

# NAME MODE [MIB]: the result file of `testworker --worker --input NAME.input` in MODE. Exit
# status 0 (a result, or a broken file as asked) or 2 (the work threw, and the file says so).
seed() {
    local name=$1 mode=$2 mib=${3:-1} data="input of $1" status=0
    # magic "LTR3", format version 5, the token; then the worker's part of the input
    {
        printf 'LTR3\000\005'
        be32 ${#token}
        printf %s "$token"
        be32 ${#data}
        printf %s "$data"
    } >"$work/$name.input"
    TESTWORKER_MODE=$mode TESTWORKER_MILLIS=0 TESTWORKER_MIB=$mib \
        "$testworker" --worker --input "$work/$name.input" >"$work/$name.out" 2>&1 || status=$?
    if [[ $status != [02] ]] || [[ ! -s $work/$name.result ]]; then
        echo "make-seeds.sh: the test worker in mode $mode exited with $status and wrote" \
            "$(stat -c %s "$work/$name.result" 2>/dev/null || echo no) bytes:" >&2
        cat "$work/$name.out" >&2
        exit 1
    fi
    mv "$work/$name.result" "$out/$name"
}

seed ok ok
seed args args
seed big-0 big 0
seed big-1 big 1
for mode in throw undecodable garbage foreign; do
    seed "$mode" "$mode"
done
