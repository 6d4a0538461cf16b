// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// longtaskrunnin_bench: what the machinery costs, measured on the real Waiter with the test worker
// (tests/testworker), so it knows nothing of the task. Each figure that has a floor is measured
// next to it, run after run, so that a load that comes and goes on the machine hits both alike.
// It prints a table, or one JSON object with --json; --quick runs small sizes in a few seconds.
// It exits 0 when every task ran as expected, whether or not the targets were met.
//
// It also measures, as the benchmark of the old design did (issue 8), what that one measured and
// the figures above do not: crash detection, Cancel and a killed app until the worker's pid is
// gone, the CPU of waiting, memory, and the speed-up of a computation on the cores. For those it
// starts this binary again as the app (--host) and as a computing worker (--worker). Linux only:
// it reads /proc, and kills and execs as POSIX does.

#include "worker.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCryptographicHash>
#include <QDataStream>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QProcess>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <functional>
#include <limits>
#include <memory>

#include <signal.h> // ::kill: test code, to crash a worker from outside as a bug would
#include <time.h> // clock_gettime: a thread's CPU time, for the decoding job
#include <unistd.h> // ::execv: the computing worker becomes the test worker

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace {
constexpr double NotMeasured = std::numeric_limits<double>::quiet_NaN();
constexpr int Timeout = 120000; // ms for one task: generous, the machine may be loaded
// The computing worker (runComputingWorker) reads its share of the work from here.
const char RoundsVariable[] = "LONGTASKRUNNIN_BENCH_ROUNDS";

// The steady clock, in nanoseconds: the same clock in every process, as the test worker's stamp.
qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
}

double median(QList<double> samples)
{
    const auto notMeasured = [](double sample) { return std::isnan(sample); };
    if (samples.isEmpty() || std::any_of(samples.cbegin(), samples.cend(), notMeasured))
        return NotMeasured;
    std::sort(samples.begin(), samples.end());
    const qsizetype middle = samples.size() / 2;
    return samples.size() % 2 ? samples.at(middle)
                              : (samples.at(middle - 1) + samples.at(middle)) / 2;
}

// The waiter's job for the test worker: `workers` workers, each given `input`; its result is the
// list of their raw results. Nothing of the task.
class BytesJob : public Job
{
public:
    explicit BytesJob(int workers, const QByteArray &input = {})
        : m_input(input), m_results(workers)
    {}
    int workerCount() const override { return int(m_results.size()); }
    QByteArray input(int) override { return m_input; }
    void readResult(int index, const QByteArray &result) override { m_results[index] = result; }
    QVariant result() override { return QVariant::fromValue(m_results); }

private:
    QByteArray m_input;
    QList<QByteArray> m_results;
};

// The test worker's job, picked through the environment, which the waiter's workers inherit.
void setJob(const char *mode, int millis, qint64 mib = 0, const QString &stamp = {})
{
    qputenv("TESTWORKER_MODE", mode);
    qputenv("TESTWORKER_MILLIS", QByteArray::number(millis));
    qputenv("TESTWORKER_MIB", QByteArray::number(mib));
    qputenv("TESTWORKER_STAMP", QFile::encodeName(stamp));
}

// Linux: this process's peak resident memory (VmHWM), and its reset. Qt has no API for these.
void resetPeakMemory()
{
    QFile file(QStringLiteral("/proc/self/clear_refs"));
    if (file.open(QIODevice::WriteOnly))
        file.write("5");
}

// Of this process, or of process `pid`.
double peakMemoryMiB(qint64 pid = 0)
{
    QFile file(pid ? QStringLiteral("/proc/%1/status").arg(pid)
                   : QStringLiteral("/proc/self/status"));
    if (!file.open(QIODevice::ReadOnly))
        return NotMeasured;
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024;
    }
    return NotMeasured;
}

// The longest gap between the ticks of a 1 ms timer in this thread, the GUI thread: how long the
// thread was kept from its events, a stall of the window.
class StallWatch
{
public:
    StallWatch()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            const qint64 now = nowNs();
            if (m_last > 0)
                m_longest = qMax(m_longest, now - m_last);
            m_last = now;
        });
        m_timer.start(1);
    }
    double longestMs() const { return double(m_longest) / 1e6; }

private:
    QTimer m_timer;
    qint64 m_last = 0;
    qint64 m_longest = 0;
};

// What the GUI thread saw of one task; times are nowNs(), 0 when it did not happen.
struct Outcome
{
    bool succeeded = false;
    bool cancelled = false;
    qint64 startNs = 0;
    qint64 firstProgressNs = 0;
    qint64 succeededNs = 0;
    qint64 cancelNs = 0;
    qint64 finishedNs = 0;
    qint64 resultBytes = 0;
    double stallMs = 0; // the longest, from start() until QThread::finished
};

// Runs one task of `workers` test workers on a real Waiter, and cancels it `cancelAfterMs` after
// its first progress if that is 0 or more. Its signals reach this thread queued, as they reach the
// window; the results are freed here, when the event that carried them is done. `job` replaces the
// default one, a BytesJob with an empty input per worker; `firstResult` gets worker 1's result.
Outcome runTask(int workers, int cancelAfterMs = -1, std::unique_ptr<Job> job = {},
                QByteArray *firstResult = nullptr)
{
    Outcome outcome;
    Waiter waiter;
    waiter.setWorkerProgram(QStringLiteral(TEST_WORKER));
    QEventLoop loop;
    QObject::connect(&waiter, &Waiter::progressChanged, &loop, [&] {
        if (outcome.firstProgressNs == 0) {
            outcome.firstProgressNs = nowNs();
            if (cancelAfterMs >= 0)
                QTimer::singleShot(cancelAfterMs, &loop, [&] {
                    outcome.cancelNs = nowNs();
                    waiter.cancel();
                });
        }
    });
    QObject::connect(&waiter, &Waiter::succeeded, &loop, [&](const QVariant &results) {
        outcome.succeededNs = nowNs();
        outcome.succeeded = true;
        const QList<QByteArray> list = results.value<QList<QByteArray>>();
        for (const QByteArray &result : list)
            outcome.resultBytes += result.size();
        if (firstResult)
            *firstResult = list.value(0);
    });
    QObject::connect(&waiter, &Waiter::failed, &loop, [](const QString &message) {
        qWarning("the task failed: %s", qUtf8Printable(message));
    });
    QObject::connect(&waiter, &Waiter::cancelled, &loop, [&] { outcome.cancelled = true; });
    QObject::connect(&waiter, &QThread::finished, &loop, [&] {
        outcome.finishedNs = nowNs();
        loop.quit();
    });
    QTimer::singleShot(Timeout, &loop, [&] {
        qWarning("the task did not end within %d s", Timeout / 1000);
        loop.quit();
    });
    StallWatch stalls;
    outcome.startNs = nowNs();
    waiter.start(job ? std::move(job) : std::make_unique<BytesJob>(workers));
    loop.exec();
    outcome.stallMs = stalls.longestMs();
    return outcome; // ~Waiter cancels a task that timed out, and waits for it
}

double ms(qint64 from, qint64 to)
{
    return from > 0 && to > 0 ? double(to - from) / 1e6 : NotMeasured;
}

// ---- The measurements ---------------------------------------------------------------------------

struct Samples
{
    QList<double> handoff, floor, peakMemory, busyStall, idleStall;
    QList<double> inputHandoff, inputFloor, inputEmpty, decodeStall, decodeCpu;
    QList<double> emptyTask, spawn, firstProgress, cancel, oneWorker, manyWorkers;
    // The old benchmark's figures.
    QList<double> crashDetect, cancelPidGone, workerMemory, orphanExit, appMemory, waitCpu;
    QList<double> waitGuiCpu;
    QList<double> oneComputing, twoComputing;
};

// The floor of any handoff through a file: `bytes` in memory written to a file in `folder` and
// read back into newly allocated memory.
double fileFloorMs(const QString &folder, qint64 bytes)
{
    const QByteArray data(bytes, '\x5a');
    QFile file(folder + QLatin1String("/floor"));
    const qint64 start = nowNs();
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != bytes)
        return NotMeasured;
    file.close();
    QByteArray back(bytes, Qt::Uninitialized);
    if (!file.open(QIODevice::ReadOnly) || file.read(back.data(), bytes) != bytes)
        return NotMeasured;
    const qint64 end = nowNs();
    file.remove();
    return ms(start, end);
}

// A big result: from the test worker's job returning it to succeeded() in this thread, the GUI
// thread's stalls meanwhile, and the idle stalls for as long.
void measureHandoff(const QString &folder, qint64 mib, Samples *samples)
{
    // Writing a big file costs far more when the file system has not just freed as much, and
    // varies: an untimed pass first, so that the floor and the handoff each follow one.
    fileFloorMs(folder, mib << 20);
    samples->floor << fileFloorMs(folder, mib << 20);
    const QString stampPath = folder + QLatin1String("/stamp");
    QFile::remove(stampPath);
    setJob("big", 0, mib, stampPath);
    resetPeakMemory();
    const Outcome big = runTask(1);
    samples->peakMemory << peakMemoryMiB();
    QFile stamp(stampPath);
    const qint64 returnedNs = stamp.open(QIODevice::ReadOnly) ? stamp.readAll().toLongLong() : 0;
    const bool ok = big.succeeded && big.resultBytes == mib << 20;
    samples->handoff << (ok ? ms(returnedNs, big.succeededNs) : NotMeasured);
    samples->busyStall << (ok ? big.stallMs : NotMeasured);

    QEventLoop idle;
    StallWatch stalls;
    QTimer::singleShot(int(qMax<qint64>(1, (big.finishedNs - big.startNs) / 1000000)), &idle,
                       &QEventLoop::quit);
    idle.exec();
    samples->idleStall << stalls.longestMs();
}

// The floor of an input's handoff: `bytes` in memory written through QDataStream into a new file
// in `folder` and read back through QDataStream into newly allocated memory, in this process: what
// the waiter and the worker do, without the process between them. Raw pieces as large as
// QDataStream takes (its length is an int): as few system calls as this can make.
double dataStreamFloorMs(const QString &folder, qint64 bytes)
{
    constexpr qint64 Piece = 1 << 30;
    const QByteArray data(bytes, 'i');
    QFile file(folder + QLatin1String("/input-floor"));
    const qint64 start = nowNs();
    if (!file.open(QIODevice::WriteOnly))
        return NotMeasured;
    QDataStream out(&file);
    out.setVersion(DataFile::StreamVersion);
    out << qint64(bytes);
    for (qint64 done = 0; done < bytes; done += Piece)
        out.writeRawData(data.constData() + done, int(qMin(Piece, bytes - done)));
    file.close();
    if (out.status() != QDataStream::Ok || !file.open(QIODevice::ReadOnly))
        return NotMeasured;
    QDataStream in(&file);
    in.setVersion(DataFile::StreamVersion);
    qint64 size = -1;
    in >> size;
    QByteArray back(qMax<qint64>(0, size), Qt::Uninitialized);
    for (qint64 done = 0; done < size; done += Piece)
        in.readRawData(back.data() + done, int(qMin(Piece, size - done)));
    const qint64 end = nowNs();
    const bool ok = in.status() == QDataStream::Ok && in.atEnd() && back.size() == bytes;
    file.remove();
    return ok ? ms(start, end) : NotMeasured;
}

// From start() until the job of the test worker ("input" mode) starts with `input` read from its
// input file and checked (TESTWORKER_START_STAMP); NaN unless the worker then found it whole, byte
// for byte (its result: the input's size and SHA-1).
double msUntilInputHeld(const QString &folder, const QByteArray &input)
{
    const QString stampPath = folder + QLatin1String("/start-stamp");
    QFile::remove(stampPath);
    setJob("input", 0);
    qputenv("TESTWORKER_START_STAMP", QFile::encodeName(stampPath));
    const QByteArray expected = QByteArray::number(input.size()) + ' '
            + QCryptographicHash::hash(input, QCryptographicHash::Sha1).toHex();
    QByteArray answer;
    const Outcome run = runTask(1, -1, std::make_unique<BytesJob>(1, input), &answer);
    qunsetenv("TESTWORKER_START_STAMP");
    QFile stamp(stampPath);
    const qint64 holdsNs = stamp.open(QIODevice::ReadOnly) ? stamp.readAll().toLongLong() : 0;
    if (run.succeeded && answer != expected)
        qWarning("the worker got another input: %s, not %s", answer.constData(),
                 expected.constData());
    return run.succeeded && answer == expected ? ms(run.startNs, holdsNs) : NotMeasured;
}

// A big input: from start() until the worker's job holds it, next to its floor; and an empty input
// for the fixed costs of a task (a process start, the task's files), which are part of the handoff.
void measureInputHandoff(const QString &folder, qint64 mib, Samples *samples)
{
    // As for the result: the floor and the handoff each follow a big file freed.
    dataStreamFloorMs(folder, mib << 20);
    samples->inputFloor << dataStreamFloorMs(folder, mib << 20);
    samples->inputHandoff << msUntilInputHeld(folder, QByteArray(mib << 20, 'i'));
    samples->inputEmpty << msUntilInputHeld(folder, QByteArray());
}

// Pure computation, which no compiler can shorten: each round needs the one before.
quint64 compute(quint64 rounds)
{
    quint64 x = 0x9e3779b97f4a7c15;
    for (quint64 round = 0; round < rounds; ++round)
        x = (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9;
    return x;
}

// The CPU time of the calling thread (Linux, POSIX): Qt has no clock for it.
qint64 threadCpuNs()
{
    timespec now {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return qint64(now.tv_sec) * 1000000000 + now.tv_nsec;
}

// What a SlowDecodeJob spent, and where: its functions run on the waiter thread, which ends (and
// destroys the job) before the GUI thread looks.
struct DecodeCost
{
    std::atomic<qint64> cpuNs {0};
    std::atomic<bool> onGuiThread {false};
};

// The test worker's job, whose decoding of each result and combining of them all cost `millis` of
// CPU each, as a big image's would: all of it on the waiter thread, which the GUI thread must not
// feel.
class SlowDecodeJob : public BytesJob
{
public:
    SlowDecodeJob(int workers, int millis, DecodeCost *cost)
        : BytesJob(workers), m_millis(millis), m_cost(cost)
    {}
    void readResult(int index, const QByteArray &result) override
    {
        burn();
        BytesJob::readResult(index, result);
    }
    QVariant result() override
    {
        burn();
        return BytesJob::result();
    }

private:
    void burn()
    {
        if (QThread::currentThread() == QCoreApplication::instance()->thread())
            m_cost->onGuiThread = true;
        const qint64 start = threadCpuNs();
        volatile quint64 sink = 0;
        while (threadCpuNs() - start < qint64(m_millis) * 1000000)
            sink = compute(1 << 14); // some 10 us
        Q_UNUSED(sink)
        m_cost->cpuNs += threadCpuNs() - start;
    }

    int m_millis;
    DecodeCost *m_cost;
};

// The GUI thread's longest gap while a result of 2 workers, whose decoding and combining cost
// `millis` of CPU in all, lands: start() .. QThread::finished, as busy_stall_ms.
void measureDecodeStall(int millis, Samples *samples)
{
    constexpr int Workers = 2; // each result decoded, then both combined: 3 steps
    setJob("ok", 0);
    DecodeCost cost;
    const Outcome run =
            runTask(Workers, -1, std::make_unique<SlowDecodeJob>(Workers, millis / 3, &cost));
    const bool ok = run.succeeded && !cost.onGuiThread;
    samples->decodeStall << (ok ? run.stallMs : NotMeasured);
    samples->decodeCpu << (ok ? double(cost.cpuNs) / 1e6 : NotMeasured);
}

// An empty job (start-up and shutdown only) next to the bare start of the test worker program.
void measureStart(Samples *samples)
{
    setJob("ok", 0);
    const Outcome empty = runTask(1);
    samples->emptyTask << (empty.succeeded ? ms(empty.startNs, empty.succeededNs) : NotMeasured);

    // The same program and job without the machinery: no files, no locks, no waiter.
    QProcess process;
    process.setStandardOutputFile(QProcess::nullDevice());
    process.setStandardErrorFile(QProcess::nullDevice());
    const qint64 start = nowNs();
    process.start(QStringLiteral(TEST_WORKER), {});
    const bool ok = process.waitForFinished(Timeout) && process.exitStatus() == QProcess::NormalExit
            && process.exitCode() == 0;
    samples->spawn << (ok ? ms(start, nowNs()) : NotMeasured);
}

// A job that hangs, checking no flag: its first progress, then Cancel.
void measureCancel(Samples *samples)
{
    setJob("hang", 400); // reports progress every 20 ms, and hangs after 200 ms
    const Outcome hang = runTask(1, 300);
    samples->firstProgress << ms(hang.startNs, hang.firstProgressNs);
    samples->cancel << (hang.cancelled ? ms(hang.cancelNs, hang.finishedNs) : NotMeasured);
}

// Workers of a fixed-length job: N of them should take as long as one.
void measureParallel(int workers, int millis, Samples *samples)
{
    setJob("ok", millis);
    const Outcome one = runTask(1);
    const Outcome many = runTask(workers);
    samples->oneWorker << (one.succeeded ? ms(one.startNs, one.succeededNs) : NotMeasured);
    samples->manyWorkers << (many.succeeded ? ms(many.startNs, many.succeededNs) : NotMeasured);
}

// ---- The old benchmark's figures ----------------------------------------------------------------
//
// Measured as the benchmark of the old design (commit eb6c44f) measured them, on the waiter and the
// test worker in place of the window and the demo task.

// Linux: whether `pid` is gone; a zombie counts as gone, as it runs no more.
bool processGone(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray line = stat.readAll();
    const int end = line.lastIndexOf(')');
    return end > 0 && line.size() > end + 2 && line.at(end + 2) == 'Z';
}

// Milliseconds from `fromNs` until `pid` is gone, or NaN after Timeout. Linux offers no way to
// wait for a process that is not our child, so a 1 ms timer looks.
double msUntilGone(qint64 pid, qint64 fromNs)
{
    if (pid <= 0)
        return NotMeasured;
    QEventLoop loop;
    QTimer poll;
    poll.setTimerType(Qt::PreciseTimer);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (processGone(pid))
            loop.quit();
    });
    QTimer::singleShot(Timeout, &loop, &QEventLoop::quit);
    poll.start(1);
    if (!processGone(pid))
        loop.exec();
    return processGone(pid) ? ms(fromNs, nowNs()) : NotMeasured;
}

// Starts a job that never ends and returns its worker's pid once its first progress reaches this
// thread (the worker runs and holds its lock), or 0: where the old crash, cancel and orphan began.
qint64 startHung(Waiter *waiter)
{
    setJob("hang", 0); // blocks at once, checking no flag; the worker's main thread goes on
    qint64 pid = 0;
    bool running = false;
    QEventLoop loop;
    QObject::connect(waiter, &Waiter::workersStarted, &loop,
                     [&pid](const QList<qint64> &pids) { pid = pids.value(0); });
    QObject::connect(waiter, &Waiter::progressChanged, &loop, [&] {
        running = true;
        loop.quit();
    });
    QObject::connect(waiter, &QThread::finished, &loop, &QEventLoop::quit); // it failed
    QTimer::singleShot(Timeout, &loop, &QEventLoop::quit);
    if (waiter->start(std::make_unique<BytesJob>(1)))
        loop.exec();
    if (running && pid > 0)
        return pid;
    waiter->cancel();
    waiter->wait();
    return 0;
}

// Milliseconds from `trigger` until `waiter`'s failed() is handled in this thread, or NaN.
double msUntilFailed(Waiter *waiter, const std::function<void()> &trigger)
{
    QEventLoop loop;
    qint64 failedNs = 0;
    QObject::connect(waiter, &Waiter::failed, &loop, [&] { failedNs = nowNs(); });
    QObject::connect(waiter, &QThread::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(Timeout, &loop, &QEventLoop::quit);
    const qint64 startNs = nowNs();
    trigger();
    loop.exec();
    return ms(startNs, failedNs);
}

// A running worker killed as a crash would (SIGKILL) until failed() reaches this thread; then a
// Cancel until the worker's pid is gone. Each starts as soon as the worker runs, as in the old.
void measureStops(Samples *samples)
{
    // The waiter warns of each worker killed here: expected, and no news.
    QLoggingCategory::setFilterRules(
            QStringLiteral(APP_NAME ".*.info=false\n" APP_NAME ".waiter.warning=false"));
    Waiter waiter; // one for both, as the window has one
    waiter.setWorkerProgram(QStringLiteral(TEST_WORKER));
    qint64 pid = startHung(&waiter);
    samples->workerMemory << (pid ? peakMemoryMiB(pid) : NotMeasured); // a peak only grows
    samples->crashDetect << (pid ? msUntilFailed(&waiter, [pid] { ::kill(pid_t(pid), SIGKILL); })
                                 : NotMeasured);
    pid = startHung(&waiter);
    const qint64 cancelNs = nowNs();
    waiter.cancel();
    samples->cancelPidGone << msUntilGone(pid, cancelNs);
    waiter.wait();
    QLoggingCategory::setFilterRules(QStringLiteral(APP_NAME ".*.info=false"));
}

// `--host`: the app in a process of its own, for the orphan: a waiter with one hung worker, whose
// pid it prints once the worker runs. The benchmark kills it there, as the old one killed its app.
int runHost(int argc, char *argv[])
{
    QApplication app(argc, argv); // the app's kind of application: its memory is measured
    QLoggingCategory::setFilterRules(QStringLiteral(APP_NAME ".*.info=false"));
    Waiter waiter;
    waiter.setWorkerProgram(QStringLiteral(TEST_WORKER));
    QTextStream(stdout) << "pid " << startHung(&waiter) << Qt::endl;
    QTimer::singleShot(Timeout, &app, &QCoreApplication::quit); // if the benchmark is gone
    return app.exec();
}

// The app killed (SIGKILL) once its worker runs, until that worker is gone: it has to notice by
// itself. Also the app's peak memory, a QApplication with a waiter and no window.
void measureOrphan(Samples *samples)
{
    QProcess host;
    host.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    host.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--host")});
    while (!host.canReadLine() && host.waitForReadyRead(Timeout)) {}
    const QByteArray line = host.readLine().trimmed();
    const qint64 pid = line.startsWith("pid ") ? line.mid(4).toLongLong() : 0;
    samples->appMemory << (pid ? peakMemoryMiB(host.processId()) : NotMeasured);
    const qint64 killNs = nowNs();
    host.kill();
    samples->orphanExit << msUntilGone(pid, killNs);
    host.waitForFinished(Timeout);
}

struct QuietRun
{
    double wallMs; // start() .. succeeded() in this thread
    double cpuPercent; // this process's CPU time over its wall time, start() .. finished
    double guiCpuPercent; // of which this thread's, the GUI thread's
};

// A task with nothing else in this thread: no stall watch, whose 1 ms timer would cost CPU. The
// CPU is this whole process's, the GUI thread's and the waiter's, as the old one took it.
QuietRun runQuietly(const QString &program, int workers)
{
    Waiter waiter;
    waiter.setWorkerProgram(program);
    QEventLoop loop;
    qint64 succeededNs = 0;
    QObject::connect(&waiter, &Waiter::progressChanged, &loop, [] {}); // delivered, as to a window
    QObject::connect(&waiter, &Waiter::succeeded, &loop, [&] { succeededNs = nowNs(); });
    QObject::connect(&waiter, &QThread::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(Timeout, &loop, &QEventLoop::quit);
    const std::clock_t cpu = std::clock();
    const qint64 guiCpuNs = threadCpuNs();
    const qint64 startNs = nowNs();
    waiter.start(std::make_unique<BytesJob>(workers));
    loop.exec();
    const double cpuMs = double(std::clock() - cpu) * 1000 / CLOCKS_PER_SEC;
    const double guiCpuMs = double(threadCpuNs() - guiCpuNs) / 1e6;
    if (succeededNs == 0)
        return {NotMeasured, NotMeasured, NotMeasured};
    const double wallMs = ms(startNs, nowNs());
    return {ms(startNs, succeededNs), 100 * cpuMs / wallMs, 100 * guiCpuMs / wallMs};
}

// The app's CPU while one worker runs a job of `millis` ms (5 s in the old benchmark).
void measureWaitCpu(int millis, Samples *samples)
{
    setJob("ok", millis);
    const QuietRun run = runQuietly(QStringLiteral(TEST_WORKER), 1);
    samples->waitCpu << run.cpuPercent;
    samples->waitGuiCpu << run.guiCpuPercent;
}

// The rounds of compute() that take about `millis` ms on one core of this machine.
quint64 roundsFor(int millis)
{
    constexpr quint64 Probe = 1 << 24;
    const qint64 start = nowNs();
    volatile quint64 sink = compute(Probe);
    Q_UNUSED(sink)
    return quint64(double(Probe) * millis / qMax(0.001, ms(start, nowNs())));
}

// `--worker ...`, as the waiter starts this binary for the speed-up: the test worker only sleeps,
// and the old speed-up was of work on the cores. It computes its share, then becomes the test
// worker (the same process, the pid the waiter knows) for an empty job.
int runComputingWorker(char *argv[])
{
    volatile quint64 sink = compute(qgetenv(RoundsVariable).toULongLong());
    Q_UNUSED(sink)
    argv[0] = const_cast<char *>(TEST_WORKER);
    ::execv(TEST_WORKER, argv);
    std::perror("cannot run " TEST_WORKER);
    return 127;
}

// The old speed-up: the wall time of a computation in 1 worker, then split between 2.
void measureSpeedup(quint64 rounds, Samples *samples)
{
    setJob("ok", 0);
    qputenv(RoundsVariable, QByteArray::number(rounds));
    samples->oneComputing << runQuietly(QCoreApplication::applicationFilePath(), 1).wallMs;
    qputenv(RoundsVariable, QByteArray::number(rounds / 2));
    samples->twoComputing << runQuietly(QCoreApplication::applicationFilePath(), 2).wallMs;
}

// ---- The report ---------------------------------------------------------------------------------

struct Figure
{
    QString key;
    double value;
    QString unit;
    QString what;
    char target = 0; // '>': at least `limit`, '<': below `limit`, 0: none
    double limit = 0;

    QString targetText() const
    {
        return target ? QString::fromLatin1(target == '>' ? ">= %1" : "< %1").arg(limit, 0, 'g', 4)
                      : QString();
    }
    bool missed() const // false for a figure without target; true for a target not measured
    {
        return target && !(target == '>' ? value >= limit : value < limit);
    }
};

double loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    return file.open(QIODevice::ReadOnly) ? file.readAll().split(' ').value(0).toDouble()
                                          : NotMeasured;
}

void printTable(const QList<Figure> &figures, const QJsonObject &about)
{
    QTextStream out(stdout);
    out << APP_NAME " benchmark on " << about[QLatin1String("machine")].toString() << ", "
        << about[QLatin1String("cpus")].toInt() << " CPUs, Qt " << qVersion() << Qt::endl
        << "medians of " << about[QLatin1String("runs")].toInt() << " runs; big result "
        << about[QLatin1String("result_mib")].toInt() << " MiB; load average "
        << about[QLatin1String("load_before")].toDouble() << " before, "
        << about[QLatin1String("load_after")].toDouble() << " after" << Qt::endl
        << Qt::endl;
    for (const Figure &figure : figures) {
        const QString verdict =
                figure.target ? QLatin1String(figure.missed() ? "MISS" : "ok") : QLatin1String();
        out << QStringLiteral("%1 %2 %3 %4 %5  %6")
                        .arg(figure.key, -22)
                        .arg(figure.value, 9, 'f', figure.unit == QLatin1String("ms") ? 1 : 2)
                        .arg(figure.unit, -4)
                        .arg(figure.targetText(), -7)
                        .arg(verdict, -4)
                        .arg(figure.what)
            << Qt::endl;
    }
}

void printJson(const QList<Figure> &figures, QJsonObject object)
{
    QJsonObject targets;
    QJsonArray missed;
    for (const Figure &figure : figures) {
        // JSON has no NaN: a figure that could not be measured is null.
        object.insert(figure.key,
                      std::isnan(figure.value) ? QJsonValue() : QJsonValue(figure.value));
        if (figure.target)
            targets.insert(figure.key, figure.targetText());
        if (figure.missed())
            missed.append(figure.key);
    }
    object.insert(QStringLiteral("targets"), targets);
    object.insert(QStringLiteral("missed"), missed);
    QTextStream(stdout) << QJsonDocument(object).toJson();
}
} // namespace

int main(int argc, char *argv[])
{
    // The modes in which the measurements of the old figures start this binary again.
    if (argc > 1 && qstrcmp(argv[1], "--worker") == 0)
        return runComputingWorker(argv);
    if (argc > 1 && qstrcmp(argv[1], "--host") == 0)
        return runHost(argc, argv);
#ifdef __GLIBC__
    // Every big block from the system, fresh, as a big result's first time in the app: otherwise
    // glibc keeps freed blocks of up to 32 MiB for the next, and the floor, which allocates in this
    // thread again and again, would read into memory it had already touched.
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    // Every file of every task goes to a folder of our own, removed at the end.
    QTemporaryDir temp;
    if (!temp.isValid()) {
        QTextStream(stderr) << "cannot create a temporary folder: " << temp.errorString()
                            << Qt::endl;
        return 2;
    }
    qputenv("TMPDIR", QFile::encodeName(temp.path()));
    // Nothing is shown, only the GUI thread measured: no display needed.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
        const QString runtime = temp.filePath(QStringLiteral("runtime"));
        QDir().mkdir(runtime);
        QFile::setPermissions(
                runtime, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        qputenv("XDG_RUNTIME_DIR", QFile::encodeName(runtime));
    }
    QApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral(APP_NAME ".*.info=false"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
            QStringLiteral("Measures the machinery of " APP_NAME " with its test worker."));
    parser.addHelpOption();
    const QCommandLineOption jsonOption(QStringLiteral("json"),
                                        QStringLiteral("Print one JSON object, not a table."));
    const QCommandLineOption quickOption(QStringLiteral("quick"),
                                         QStringLiteral("Small sizes, one run: a few seconds."));
    const QCommandLineOption runsOption(QStringLiteral("runs"),
                                        QStringLiteral("Runs of each measurement (default 3)."),
                                        QStringLiteral("n"));
    const QCommandLineOption mibOption(
            QStringLiteral("mib"),
            QStringLiteral("The size of the big result in MiB (default 256, or 16 with --quick)."),
            QStringLiteral("n"));
    parser.addOptions({jsonOption, quickOption, runsOption, mibOption});
    parser.process(app);
    const bool quick = parser.isSet(quickOption);
    const int runs = parser.isSet(runsOption) ? parser.value(runsOption).toInt() : quick ? 1 : 3;
    const qint64 resultMiB = parser.isSet(mibOption) ? parser.value(mibOption).toLongLong()
            : quick                                  ? 16
                                                     : 256;
    if (runs < 1 || resultMiB < 0) {
        QTextStream(stderr) << "--runs takes a whole number above 0, --mib one from 0" << Qt::endl;
        return 2;
    }
    const int workers = qMax(2, QThread::idealThreadCount());
    const int parallelMillis = quick ? 500 : 2000;
    // As in the old benchmark: a wait of 5 s, a computation of about 4 s (its default task).
    const int waitMillis = quick ? 1000 : 5000;
    const int computeMillis = quick ? 500 : 4000;
    const quint64 rounds = roundsFor(computeMillis);
    const int decodeMillis = 300; // the CPU of decoding 2 results and combining them

    QJsonObject about {{QStringLiteral("machine"), QSysInfo::prettyProductName()},
                       {QStringLiteral("cpus"), QThread::idealThreadCount()},
                       {QStringLiteral("qt"), QLatin1String(qVersion())},
                       {QStringLiteral("runs"), runs},
                       {QStringLiteral("quick"), quick},
                       {QStringLiteral("result_mib"), resultMiB},
                       {QStringLiteral("workers"), workers},
                       {QStringLiteral("wait_ms"), waitMillis},
                       {QStringLiteral("compute_ms"), computeMillis},
                       {QStringLiteral("load_before"), loadAverage()}};
    Samples samples;
    // A first run of the cheap parts, not counted: the program files are read, the caches warm.
    fileFloorMs(temp.path(), 1 << 20);
    measureStart(&samples);
    samples = {};
    for (int run = 0; run < runs; ++run) {
        QTextStream(stderr) << "run " << run + 1 << " of " << runs << "..." << Qt::endl;
        measureHandoff(temp.path(), resultMiB, &samples);
        measureInputHandoff(temp.path(), resultMiB, &samples);
        measureDecodeStall(decodeMillis, &samples);
        measureStart(&samples);
        measureCancel(&samples);
        measureParallel(workers, parallelMillis, &samples);
        measureStops(&samples);
        measureOrphan(&samples);
        measureWaitCpu(waitMillis, &samples);
        measureSpeedup(rounds, &samples);
    }
    about.insert(QStringLiteral("load_after"), loadAverage());

    const double handoff = median(samples.handoff);
    const double floor = median(samples.floor);
    const double emptyTask = median(samples.emptyTask);
    const double spawn = median(samples.spawn);
    const double peak = samples.peakMemory.isEmpty()
            ? NotMeasured
            : *std::max_element(samples.peakMemory.cbegin(), samples.peakMemory.cend());
    const QString mib = QString::number(resultMiB) + QLatin1String(" MiB");
    const QList<Figure> figures = {
            {QStringLiteral("handoff_ms"), handoff, QStringLiteral("ms"),
             QStringLiteral("a %1 result: the job returns it .. succeeded() in the GUI thread")
                     .arg(mib)},
            {QStringLiteral("handoff_floor_ms"), floor, QStringLiteral("ms"),
             QStringLiteral("the same bytes: memory -> file -> newly allocated memory")},
            {QStringLiteral("handoff_ratio"), floor / handoff, QString(),
             QStringLiteral("floor / handoff"), '>', 0.5},
            {QStringLiteral("handoff_peak_mib"), peak, QStringLiteral("MiB"),
             QStringLiteral("the GUI process's peak memory (VmHWM) during the handoff")},
            {QStringLiteral("busy_stall_ms"), median(samples.busyStall), QStringLiteral("ms"),
             QStringLiteral("longest gap of a 1 ms GUI timer while the %1 result comes and goes")
                     .arg(mib),
             '<', 16},
            {QStringLiteral("idle_stall_ms"), median(samples.idleStall), QStringLiteral("ms"),
             QStringLiteral("the same, idle, for as long")},
            {QStringLiteral("input_handoff_ms"), median(samples.inputHandoff), QStringLiteral("ms"),
             QStringLiteral("a %1 input: start() .. the worker's job holds it, read and checked")
                     .arg(mib)},
            {QStringLiteral("input_handoff_floor_ms"), median(samples.inputFloor),
             QStringLiteral("ms"),
             QStringLiteral("the same bytes in this process: QDataStream -> a new file -> "
                            "QDataStream -> newly allocated memory")},
            {QStringLiteral("input_handoff_ratio"),
             median(samples.inputFloor) / median(samples.inputHandoff), QString(),
             QStringLiteral("input floor / input handoff"), '>', 0.7},
            {QStringLiteral("input_handoff_empty_ms"), median(samples.inputEmpty),
             QStringLiteral("ms"),
             QStringLiteral("the same with an empty input: a task's fixed costs, included above")},
            {QStringLiteral("decode_stall_ms"), median(samples.decodeStall), QStringLiteral("ms"),
             QStringLiteral("longest gap of a 1 ms GUI timer while 2 results land whose decoding "
                            "and combining cost %1 ms of CPU (target: idle_stall_ms + 3)")
                     .arg(decodeMillis),
             '<', median(samples.idleStall) + 3},
            {QStringLiteral("decode_cpu_ms"), median(samples.decodeCpu), QStringLiteral("ms"),
             QStringLiteral("the CPU that decoding and combining took, all on the waiter thread")},
            {QStringLiteral("empty_task_ms"), emptyTask, QStringLiteral("ms"),
             QStringLiteral("an empty job: start() .. succeeded() in the GUI thread")},
            {QStringLiteral("spawn_floor_ms"), spawn, QStringLiteral("ms"),
             QStringLiteral("the test worker's empty job alone, without files or waiter")},
            {QStringLiteral("start_overhead"), emptyTask / spawn, QString(),
             QStringLiteral("empty task / spawn floor"), '<', 1.5},
            {QStringLiteral("first_progress_ms"), median(samples.firstProgress),
             QStringLiteral("ms"),
             QStringLiteral("start() .. the first progressChanged() in the GUI thread")},
            {QStringLiteral("cancel_ms"), median(samples.cancel), QStringLiteral("ms"),
             QStringLiteral("a hung job: cancel() .. QThread::finished in the GUI thread"), '<',
             250},
            {QStringLiteral("parallel_efficiency"),
             median(samples.oneWorker) / median(samples.manyWorkers), QString(),
             QStringLiteral("a %1 ms job: wall time of 1 worker / of %2 workers")
                     .arg(parallelMillis)
                     .arg(workers),
             '>', 0.9},
            // The old benchmark's figures, with its targets.
            {QStringLiteral("crash_detect_ms"), median(samples.crashDetect), QStringLiteral("ms"),
             QStringLiteral("a running worker killed (SIGKILL) .. failed() in the GUI thread"), '<',
             250},
            {QStringLiteral("cancel_pid_gone_ms"), median(samples.cancelPidGone),
             QStringLiteral("ms"), QStringLiteral("a running worker: cancel() .. its pid gone"),
             '<', 250},
            {QStringLiteral("orphan_exit_ms"), median(samples.orphanExit), QStringLiteral("ms"),
             QStringLiteral("an app killed (SIGKILL) .. its running worker's pid gone"), '<', 1000},
            {QStringLiteral("wait_cpu_pct"), median(samples.waitCpu), QStringLiteral("%"),
             QStringLiteral("this process's CPU / wall time while a %1 ms job runs")
                     .arg(waitMillis),
             '<', 0.5},
            {QStringLiteral("wait_gui_cpu_pct"), median(samples.waitGuiCpu), QStringLiteral("%"),
             QStringLiteral("of which the GUI thread's; the rest is the waiter thread's")},
            {QStringLiteral("worker_rss_mib"), median(samples.workerMemory), QStringLiteral("MiB"),
             QStringLiteral("a running test worker's peak memory (VmHWM)")},
            {QStringLiteral("app_rss_mib"), median(samples.appMemory), QStringLiteral("MiB"),
             QStringLiteral("the peak memory of an app: QApplication, a waiter, no window")},
            {QStringLiteral("speedup_2"),
             median(samples.oneComputing) / median(samples.twoComputing), QString(),
             QStringLiteral("a computation of %1 ms: wall time in 1 worker / split between 2")
                     .arg(computeMillis),
             '>', 1.8},
    };
    if (parser.isSet(jsonOption))
        printJson(figures, about);
    else
        printTable(figures, about);

    // The figures depend on the machine; a task that did not run as expected is a failure.
    const bool ran = std::none_of(figures.cbegin(), figures.cend(),
                                  [](const Figure &figure) { return std::isnan(figure.value); });
    return ran ? 0 : 1;
}
