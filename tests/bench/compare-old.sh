#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
# SPDX-License-Identifier: BSD-3-Clause
#
# compare-old.sh: this tree's benchmark against an older commit's, side by side, as
# docs/benchmark.md reports it. Needs python3.
#
# Usage: tests/bench/compare-old.sh [-c COMMIT] [-n ROUNDS] [-o OLD_TREE] [-B BUILD] [-b] [-d DIR]
#                                   [NEW_TREE]
#   NEW_TREE   the new tree (default: this clone)
#   -c COMMIT  the old commit (default 58a4325, the waiter before issue 15's input files and jobs);
#              eb6c44f, the design before the template was made small, gets a table of its own
#   -o TREE    the old tree (default build/old, or build/bench-old for eb6c44f; made with
#              `git worktree add` of COMMIT if missing), built in TREE/build/release
#   -B BUILD   the new tree's build folder, relative to it (default build/release)
#   -n ROUNDS  rounds (default 3); each round runs the old bench, then the new one, with --json
#   -b         build both benches first: cmake --preset release (or -B) if needed, then
#              nice -n 10 cmake --build FOLDER -j1 --target longtaskrunnin_bench
#   -d DIR     keep the JSON and logs there (default a new folder under /tmp)
#   OLD_ARGS / NEW_ARGS (environment): extra options for each bench, e.g. NEW_ARGS=--quick
#
# It prints one Markdown table: each figure, the old and the new value (medians over the rounds of
# each bench's own medians), the range over the rounds, and whether the new one is at least as
# good. Each bench runs in its own default configuration (eb6c44f: 15 runs, 5 heavy; later: 3).
set -euo pipefail

rounds=3
here=$(cd "$(dirname "$0")/../.." && pwd)
old_commit=58a4325
old_tree=
new_build=build/release
build=0
dir=
while getopts "c:n:o:B:bd:h" option; do
    case $option in
    c) old_commit=$OPTARG ;;
    n) rounds=$OPTARG ;;
    o) old_tree=$OPTARG ;;
    B) new_build=$OPTARG ;;
    b) build=1 ;;
    d) dir=$OPTARG ;;
    *) sed -n '5,24p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
new_tree=$(cd "${1:-$here}" && pwd)
if [[ -z $old_tree ]]; then
    [[ $old_commit == eb6c44f* ]] && old_tree=$here/build/bench-old || old_tree=$here/build/old
fi
if [[ ! -d $old_tree ]]; then
    echo "== making $old_tree: a worktree of $old_commit" >&2
    git -C "$here" worktree add --detach "$old_tree" "$old_commit" >&2
fi
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "-n takes a whole number above 0" >&2; exit 2; }
bench=tests/bench/longtaskrunnin_bench

old_build=$old_tree/build/release
new_build=$new_tree/$new_build
if ((build)); then
    for folder in "$old_build" "$new_build"; do
        echo "== building $folder" >&2
        tree=${folder%/build/*}
        [[ -f $folder/CMakeCache.txt ]] || (cd "$tree" && nice -n 10 cmake -S . -B "$folder" \
            -DCMAKE_BUILD_TYPE=Release >/dev/null)
        nice -n 10 cmake --build "$folder" -j1 --target longtaskrunnin_bench >/dev/null
    done
fi
for folder in "$old_build" "$new_build"; do
    [[ -x $folder/$bench ]] || {
        echo "no $folder/$bench: build it, or pass -b" >&2
        exit 1
    }
done
grep -q cancel_pid_gone_ms "$new_tree/tests/bench/bench.cpp" || {
    echo "$new_tree's bench does not measure the old figures: copy the extended bench.cpp there" >&2
    exit 1
}

dir=${dir:-$(mktemp -d /tmp/bench-compare-XXXXXX)}
mkdir -p "$dir"
describe() { # the commit of a tree, and whether its files differ from it
    local commit
    commit=$(git -C "$1" rev-parse --short HEAD 2>/dev/null || echo "?")
    git -C "$1" diff --quiet HEAD 2>/dev/null || commit+=" + uncommitted changes"
    echo "$commit"
}
{
    echo "old_tree=$old_tree ($(describe "$old_tree"))"
    echo "new_tree=$new_tree ($(describe "$new_tree"))"
} >"$dir/trees.txt"

# Old, new, old, new...: a load that comes and goes hits both alike. Each bench's exit status is
# ignored: a figure it could not measure is null in its JSON, and shows as such.
run() { # NAME BUILD ROUND ARGS
    local name=$1 folder=$2 round=$3
    shift 3
    echo "== round $round: $name bench" >&2
    (cd "$dir" && "$folder/$bench" --json "$@" >"$dir/$name-$round.json" \
        2>"$dir/$name-$round.log") || true
}
for ((round = 1; round <= rounds; ++round)); do
    # shellcheck disable=SC2086 # the extra options are words
    run old "$old_build" "$round" ${OLD_ARGS:-}
    # shellcheck disable=SC2086
    run new "$new_build" "$round" ${NEW_ARGS:-}
done

python3 - "$dir" "$rounds" "$old_commit" <<'EOF'
import json, statistics, sys

folder, rounds, old_commit = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def load(name):
    runs = []
    for r in range(1, rounds + 1):
        try:
            with open(f"{folder}/{name}-{r}.json") as f:
                runs.append(json.load(f))
        except (OSError, ValueError):
            runs.append({})
    return runs

old, new = load("old"), load("new")

def per_round(runs, value):
    """value(run, r) for every round, None where it could not be taken."""
    out = []
    for r, run in enumerate(runs):
        try:
            v = value(run, r)
        except (KeyError, TypeError, ZeroDivisionError):
            v = None
        out.append(v)
    return out

def key(k):
    return lambda run, r: run[k]

# Derived figures of the new bench, in the old one's terms.
def new_transfer_mib_s(run, r):  # the result's MiB over the handoff time (see note 2)
    return run["result_mib"] / (run["handoff_ms"] / 1000)

def new_transfer_ratio(run, r):  # that, over the old bench's copy_mib_s of the same round
    return new_transfer_mib_s(run, r) / old[r]["copy_mib_s"]

def new_lateness(run, r):  # the gap of a 1 ms timer, less its 1 ms: a lateness, as the old one's
    return run["busy_stall_ms"] - 1

def new_idle_lateness(run, r):
    return run["idle_stall_ms"] - 1

def doubled_efficiency(run, r):
    return run["parallel_efficiency"] * 2

LOWER, HIGHER, INFO = "lower", "higher", "info"
# (what, old figure, old value, new figure, new value, better, note)
rows = [
    ("null task, start to result in the GUI", "roundtrip_ms", key("roundtrip_ms"),
     "empty_task_ms", key("empty_task_ms"), LOWER, 1),
    ("spawn floor", "spawn_floor_ms", key("spawn_floor_ms"),
     "spawn_floor_ms", key("spawn_floor_ms"), INFO, 1),
    ("start overhead over the floor", "roundtrip_ratio", key("roundtrip_ratio"),
     "start_overhead", key("start_overhead"), LOWER, 1),
    ("big result, MiB/s", "transfer_mib_s", key("transfer_mib_s"),
     "result_mib / handoff_ms", new_transfer_mib_s, HIGHER, 2),
    ("copy floor, MiB/s (old bench only)", "copy_mib_s", key("copy_mib_s"),
     "-", lambda run, r: None, INFO, 2),
    ("big result over the floor, old style", "transfer_ratio", key("transfer_ratio"),
     "(result_mib / handoff_ms) / old copy_mib_s", new_transfer_ratio, HIGHER, 2),
    ("big result over the floor, new style", "-", lambda run, r: None,
     "handoff_ratio", key("handoff_ratio"), INFO, 2),
    ("speed-up of 2 workers, computation", "speedup_2", key("speedup_2"),
     "speedup_2", key("speedup_2"), HIGHER, 3),
    ("speed-up of 2 workers, as asked", "speedup_2", key("speedup_2"),
     "parallel_efficiency x 2", doubled_efficiency, HIGHER, 3),
    ("GUI stall during a 256 MiB result", "max_stall_ms", key("max_stall_ms"),
     "busy_stall_ms - 1", new_lateness, LOWER, 4),
    ("GUI stall, idle (noise)", "idle_stall_ms", key("idle_stall_ms"),
     "idle_stall_ms - 1", new_idle_lateness, INFO, 4),
    ("worker killed to failed() in the GUI", "crash_detect_ms", key("crash_detect_ms"),
     "crash_detect_ms", key("crash_detect_ms"), LOWER, 5),
    ("Cancel to the worker's pid gone", "cancel_ms", key("cancel_ms"),
     "cancel_pid_gone_ms", key("cancel_pid_gone_ms"), LOWER, 5),
    ("Cancel to the waiter thread finished", "-", lambda run, r: None,
     "cancel_ms", key("cancel_ms"), INFO, 5),
    ("app killed to its worker gone", "orphan_exit_ms", key("orphan_exit_ms"),
     "orphan_exit_ms", key("orphan_exit_ms"), LOWER, 5),
    ("app CPU while waiting 5 s, %", "wait_cpu_pct", key("wait_cpu_pct"),
     "wait_cpu_pct", key("wait_cpu_pct"), LOWER, 6),
    ("worker peak memory, MiB", "worker_rss_mib", key("worker_rss_mib"),
     "worker_rss_mib", key("worker_rss_mib"), LOWER, 7),
    ("app peak memory, MiB", "app_rss_mib", key("app_rss_mib"),
     "app_rss_mib", key("app_rss_mib"), LOWER, 7),
]

def fmt(v):
    if v is None:
        return "n/a"
    a = abs(v)
    return f"{v:.0f}" if a >= 100 else f"{v:.1f}" if a >= 10 else f"{v:.2f}"

def summary(values):
    got = [v for v in values if v is not None]
    if not got:
        return None, "n/a"
    med = statistics.median(got)
    spread = f"{fmt(min(got))}-{fmt(max(got))}" if len(got) > 1 else ""
    return med, spread

def verdict_of(better, ovals, nvals):
    if better == INFO or not ovals or not nvals:
        return "(context)" if better == INFO else "n/a"
    om, nm = statistics.median(ovals), statistics.median(nvals)
    if abs(nm - om) <= 0.02 * abs(om):
        return "yes, within 2 %"
    good = nm <= om if better == LOWER else nm >= om
    overlap = max(min(ovals), min(nvals)) <= min(max(ovals), max(nvals))
    return "yes" if good else ("no, ranges overlap" if overlap else "**no**")

def cell(values):
    med, spread = summary(values)
    return fmt(med) + (f" ({spread})" if spread and med is not None else "")

def footer():
    loads = []
    for r in range(rounds):
        loads.append(f"round {r + 1}: old {old[r].get('load_before', old[r].get('load_average_before', '?'))}"
                     f"->{old[r].get('load_after', old[r].get('load_average_after', '?'))}, new "
                     f"{new[r].get('load_before', '?')}->{new[r].get('load_after', '?')}")
    with open(f"{folder}/trees.txt") as f:
        trees = f.read().split("\n")
    print()
    print(f"Medians over {rounds} rounds of each bench's medians (old: {old[0].get('runs', '?')} "
          f"runs; new: {new[0].get('runs', '?')} runs); in brackets the range over the rounds. "
          f"{trees[0]}; {trees[1]}. Load average (1 min) before->after: " + "; ".join(loads)
          + f". JSON and logs: {folder}.")

# A bench of the same kind (58a4325 and later): every figure of either, key for key, in the new
# bench's order; better is what the new bench's target says, or lower for times and memory.
if any("handoff_ms" in run for run in old):
    about = {"machine", "cpus", "qt", "runs", "quick", "result_mib", "workers", "wait_ms",
             "compute_ms", "load_before", "load_after", "targets", "missed"}
    lower = {"handoff_ms", "input_handoff_ms", "handoff_peak_mib", "empty_task_ms",
             "first_progress_ms", "worker_rss_mib", "app_rss_mib"}
    keys, targets = [], {}
    for run in new + old:
        keys += [k for k in run if k not in about and k not in keys]
    for run in new:
        targets.update(run.get("targets", {}))
    print(f"| figure | target | {old_commit} | now | better | now at least as good? |")
    print("|---|---|---|---|---|---|")
    for k in keys:
        target = targets.get(k, "")
        better = (HIGHER if target.startswith(">") else LOWER if target.startswith("<")
                  else LOWER if k in lower else INFO)
        ovals = [v for v in per_round(old, key(k)) if v is not None]
        nvals = [v for v in per_round(new, key(k)) if v is not None]
        print(f"| `{k}` | {target} | {cell(ovals)} | {cell(nvals)} | "
              f"{'' if better == INFO else better} | {verdict_of(better, ovals, nvals)} |")
    footer()
    print("""
n/a in the old column: a figure that the old bench does not measure. See docs/benchmark.md for
what each figure is; `--json` of either bench gives them with their targets.""")
    sys.exit(0)

# eb6c44f: its own figures, matched by meaning.
print(f"| figure | old | old value | new | new value | better | new at least as good? |")
print("|---|---|---|---|---|---|---|")
for what, okey, oval, nkey, nval, better, note in rows:
    om, ospread = summary(per_round(old, oval))
    nm, nspread = summary(per_round(new, nval))
    ovals = [v for v in per_round(old, oval) if v is not None]
    nvals = [v for v in per_round(new, nval) if v is not None]
    if better == INFO or om is None or nm is None:
        verdict = "(context)" if better == INFO else "n/a"
    else:
        good = nm <= om if better == LOWER else nm >= om
        overlap = max(min(ovals), min(nvals)) <= min(max(ovals), max(nvals))
        verdict = "yes" if good else ("no, ranges overlap" if overlap else "**no**")
    ocell = f"{fmt(om)}" + (f" ({ospread})" if ospread and om is not None else "")
    ncell = f"{fmt(nm)}" + (f" ({nspread})" if nspread and nm is not None else "")
    arrow = {"lower": "lower", "higher": "higher", "info": ""}[better]
    print(f"| {what} [{note}] | `{okey}` | {ocell} | `{nkey}` | {ncell} | {arrow} | {verdict} |")

footer()
print("""
1. Old: a null demo task in the real app binary (`longtaskrunnin --worker`), `start()` to
   `succeeded()` in the GUI thread; floor: `longtaskrunnin --version`. New: the test worker's empty
   job (`TESTWORKER_MODE=ok`, 0 ms), `start()` to `succeeded()`, with a 1 ms stall timer running in
   the GUI thread; floor: the same test worker program and job alone, without files or waiter. Both
   floors are one process start, of different binaries; compare the ratios.
2. Old `transfer_mib_s`: 256 MiB over (the worker's whole run: its start, the result's creation,
   its write and exit) + (a reader thread's read and decode); `copy_mib_s`: `QFile::copy` of 256 MiB,
   `transfer_ratio` = transfer / copy. New `handoff_ms`: from the job returning its 256 MiB result
   (a stamp) to `succeeded()` in the GUI thread: the write, the worker's exit, the detection, the
   read; no process start and no creation of the result, so its MiB/s is not the old definition's
   and flatters the new code. The old-style ratio divides it by the old bench's `copy_mib_s` of the
   same round. New `handoff_ratio` = (write + read back in-process) / handoff: another floor.
3. Old `speedup_2`: the default demo task (about 4 s on one core) in 1 worker, then split between
   2: wall time 1 / wall time 2. New `speedup_2`: the same with a fixed computation calibrated to
   about 4 s, done by the bench binary as worker program, which then execs the test worker for an
   empty job. `parallel_efficiency` x 2: the test worker's `ok` job of 2000 ms (it sleeps) in 1
   worker and in N workers, each the full job; x 2 is the speed-up only if the work were on the
   cores. It measures that the workers run at once, not the cores: not the old figure.
4. Old `max_stall_ms`: the largest lateness (gap - 5 ms) of a 5 ms GUI timer while the window ran a
   task that returned a 256 MiB result (the whole task, read included). New `busy_stall_ms`: the
   longest gap of a 1 ms GUI timer from `start()` to the waiter's end for a 256 MiB result; minus
   1 ms, it is a lateness too.
5. Same method in both: once the GUI thread has the worker's first progress, SIGKILL of the worker
   (to `failed()` in the GUI thread) and `cancel()` (to the pid gone, polled every 1 ms; a zombie
   counts as gone). The app: old, the real window in a process of its own, killed (SIGKILL) as soon
   as its worker's lock file existed; new, the bench binary with a waiter and no window, killed as
   soon as it had the first progress; then until its worker's pid is gone. New: the worker is the
   test worker in `hang` mode (it blocks at once, checking no flag). New `cancel_ms` (`cancel()` to
   the waiter thread finished) is shown for context. All of these depend on the phase between the
   trigger and the 50 ms polls of worker and waiter.
6. This process's CPU time over wall time while one worker runs a 5 s job: old, the app's window
   with its progress bar and the demo task; new, the waiter and a GUI thread without a window,
   test worker job `ok` of 5000 ms.
7. VmHWM. Old worker: the app binary as worker; new: the test worker (the same libraries, the
   same worker machinery). Old app: the real window, shown offscreen, with its task running; new:
   a QApplication with a waiter and no window, so the app figures are not like for like.""")
EOF
