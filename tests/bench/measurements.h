// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef MEASUREMENTS_H
#define MEASUREMENTS_H

#include <QString>

// The measurements of the benchmark. Each runs the real machinery (the real waiter thread, the
// real window, the real app binary as the worker) and returns medians over `runs` repetitions.
// Where two things are compared they run interleaved, A, B, A, B, ..., so that a load that comes
// and goes on the machine hits both alike. A figure that could not be measured is NaN.
namespace Measure {
constexpr int ResultMiB = 256; // the size of the big result

struct Roundtrip
{
    double roundtripMs; // a null task through TaskThread, until succeeded() reaches the GUI thread
    double spawnFloorMs; // `app --version` through an attached QProcess
    double inProcessUs; // the same null task on a QThread in this process
};
Roundtrip roundtrip(int runs);

struct Transfer
{
    double transferMiBs; // a ResultMiB result, written by the worker and read back on a thread
    double copyMiBs; // QFile::copy of a file of that size in the same folder
    double writeMs; // of the transfer: the worker, from its start to its exit
    double readMs; // of the transfer: the reader thread
};
Transfer transfer(const QString &folder, int runs);

struct Speedup
{
    double speedup2; // wall time with 1 worker / with 2 workers
    double speedupN; // wall time with 1 worker / with QThread::idealThreadCount() workers
    int n;
};
Speedup speedup(int runs);

struct Stall
{
    double maxStallMs; // largest lateness of a 5 ms timer while the window runs a big task
    double idleStallMs; // the same on the idle window: the machine's own scheduling noise
};
Stall stall(int runs);

struct Stop
{
    double crashDetectMs; // SIGKILL of the worker until failed() reaches the GUI thread
    double cancelMs; // TaskThread::cancel() until the worker's pid is gone
    double workerRssMiB; // peak resident memory of a running worker
};
Stop stop(int runs);

struct Orphan
{
    double orphanExitMs; // SIGKILL of an app until its worker is gone
    double appRssMiB; // peak resident memory of that app, its window shown and its task running
};
Orphan orphan(int runs);

double waitCpuPercent(); // the app's CPU while its window waits on a task of about 5 s

// Modes of the benchmark's own binary, which the measurements above start.
int runHost(int argc, char *argv[]); // --host: an app whose window runs a task
int runRelay(int argc, char *argv[]); // --worker ...: the real worker, with --pad-result added
} // namespace Measure

#endif // MEASUREMENTS_H
