// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// longtaskrunnin_bench: what the machinery costs, measured on the real Waiter with the test worker
// (tests/testworker) and its TestJob, so it knows nothing of the task. Each figure with a floor is
// measured next to it, run after run, so that a load that comes and goes hits both alike. It
// prints a table, or one JSON object with --json; --quick runs small sizes in a few seconds. It
// exits 0 when every task ran as expected, whether or not the targets were met.
//
// This binary is also a worker program (`--worker --input FILE`, the real Worker): it computes
// (for speedup_2), and stamps its result before writing it (for handoff_ms: the test worker stamps
// after). Linux only: it reads /proc, and kills as POSIX does.

#include "testjob.h"
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
#include <QProcess>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>

#include <signal.h>
#include <time.h>
#include <unistd.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace {
constexpr double NotMeasured = std::numeric_limits<double>::quiet_NaN();
constexpr int Timeout = 120000; // ms for one task: generous, the machine may be loaded
const QString TestWorker = QStringLiteral(TEST_WORKER);

// The steady clock in nanoseconds: the same in every process, as the test worker's stamps.
qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
}

double ms(qint64 from, qint64 to)
{
    return from > 0 && to > 0 ? double(to - from) / 1e6 : NotMeasured;
}

qint64 threadCpuNs() // Qt has no clock for a thread's CPU time
{
    timespec now {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return qint64(now.tv_sec) * 1000000000 + now.tv_nsec;
}

double median(QList<double> samples)
{
    if (samples.isEmpty()
        || std::any_of(samples.cbegin(), samples.cend(), [](double s) { return std::isnan(s); }))
        return NotMeasured;
    std::sort(samples.begin(), samples.end());
    const qsizetype middle = samples.size() / 2;
    return samples.size() % 2 ? samples[middle] : (samples[middle - 1] + samples[middle]) / 2;
}

// The test worker's mode, through the environment that the waiter's workers inherit.
void setMode(const char *mode, int millis = 0)
{
    qputenv("TESTWORKER_MODE", mode);
    qputenv("TESTWORKER_MILLIS", QByteArray::number(millis));
}

qint64 readStamp(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll().toLongLong() : 0;
}

// Pure computation, which no compiler can shorten: each round needs the one before.
quint64 compute(quint64 rounds)
{
    quint64 x = 0x9e3779b97f4a7c15;
    for (quint64 round = 0; round < rounds; ++round)
        x = (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9;
    return x;
}

// The bench as worker program: BENCH_ROUNDS of computation, then BENCH_MIB MiB of bytes as its
// result, with the steady clock written to BENCH_STAMP just before the result is.
QString benchWork(QDataStream &in, QDataStream &out, const Progress &)
{
    QByteArray input;
    in >> input;
    volatile quint64 sink = compute(qEnvironmentVariable("BENCH_ROUNDS").toULongLong());
    Q_UNUSED(sink)
    const QByteArray result(qsizetype(qEnvironmentVariableIntValue("BENCH_MIB")) << 20, 'x');
    if (QFile stamp(qEnvironmentVariable("BENCH_STAMP")); stamp.open(QIODevice::WriteOnly))
        stamp.write(QByteArray::number(nowNs()));
    out << result;
    return QStringLiteral("bench worker: done");
}

// The bench worker's job: an empty input for each worker, a QByteArray each back (as the old
// bench's results: a QString would add a byte swap both ways, QDataStream being big-endian).
class BytesJob : public Job
{
public:
    int split(int count) override
    {
        m_results.resize(count);
        return count;
    }
    void writeInput(int, QDataStream &out) override { out << QByteArray(); }
    void readResult(int part, QDataStream &in) override { in >> m_results[part]; }
    QVariant result() override { return QVariant::fromValue(m_results); }

private:
    QByteArrayList m_results;
};

// Linux: peak resident memory (VmHWM) of this process or of `pid`, and its reset.
void resetPeakMemory()
{
    QFile file(QStringLiteral("/proc/self/clear_refs"));
    if (file.open(QIODevice::WriteOnly))
        file.write("5");
}

double peakMemoryMiB(qint64 pid = 0)
{
    QFile file(pid ? QStringLiteral("/proc/%1/status").arg(pid)
                   : QStringLiteral("/proc/self/status"));
    if (!file.open(QIODevice::ReadOnly))
        return NotMeasured;
    for (const QByteArray &line : file.readAll().split('\n'))
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024;
    return NotMeasured;
}

// Gone, or a zombie: it runs no more.
bool processGone(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray line = stat.readAll();
    return line.mid(line.lastIndexOf(')') + 2, 1) == "Z";
}

// nowNs() once `pid` is gone, looked at every 0.2 ms; 0 if it is not within Timeout.
qint64 waitUntilGone(qint64 pid)
{
    for (const qint64 end = nowNs() + qint64(Timeout) * 1000000; pid > 0 && nowNs() < end;
         QThread::usleep(200))
        if (processGone(pid))
            return nowNs();
    return 0;
}

// A precise 1 ms timer in this thread, the GUI thread: its longest gap is the longest stall.
class StallWatch
{
public:
    StallWatch()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            const qint64 now = nowNs();
            m_longest = m_last ? qMax(m_longest, now - m_last) : 0;
            m_last = now;
        });
        m_timer.start(1);
    }
    double longestMs() const { return double(m_longest) / 1e6; }

private:
    QTimer m_timer;
    qint64 m_last = 0, m_longest = 0;
};

// What the GUI thread saw of one task. Times are nowNs(), 0 when it did not happen.
struct Outcome
{
    bool succeeded = false, failed = false, cancelled = false;
    qint64 startNs = 0, firstProgressNs = 0, succeededNs = 0, failedNs = 0, triggerNs = 0,
           goneNs = 0, finishedNs = 0;
    qint64 pid = 0; // the first worker's
    double workerMemory = NotMeasured; // its VmHWM at the first progress
    qint64 resultBytes = 0; // a BytesJob's
    QString first; // the first worker's result, if short
    double stallMs = NotMeasured; // start() .. QThread::finished, without `quiet`
    double cpuPercent = 0, guiCpuPercent = 0; // this process's, its GUI thread's, over wall time
};

// What the bench does to a running task at its first progress in the GUI thread: nothing, cancel
// (and watch the first worker's pid until gone), or kill the first worker as a crash would.
enum Act { Wait, Cancel, Kill };

// Runs `job` in `workers` workers on a real Waiter, with its signals queued to this thread as to
// the window. `quiet`: no stall watch, whose 1 ms timer costs CPU.
Outcome runTask(std::unique_ptr<Job> job, int workers = 1, Act act = Wait, bool quiet = false,
                const QString &program = TestWorker)
{
    Outcome outcome;
    Waiter waiter;
    waiter.setWorkerProgram(program);
    QEventLoop loop;
    QTimer poll; // the cancelled worker's pid, every ms
    poll.setTimerType(Qt::PreciseTimer);
    QObject::connect(&poll, &QTimer::timeout, [&] {
        if (processGone(outcome.pid)) {
            outcome.goneNs = nowNs();
            poll.stop();
        }
    });
    QObject::connect(&waiter, &Waiter::workersStarted, &loop,
                     [&](const QList<qint64> &pids) { outcome.pid = pids.value(0); });
    // A worker's first report: a total of 0 is nothing from a worker yet.
    QObject::connect(&waiter, &Waiter::progressChanged, &loop, [&](qint64, qint64 total) {
        if (outcome.firstProgressNs || total == 0)
            return;
        outcome.firstProgressNs = nowNs();
        outcome.workerMemory = peakMemoryMiB(outcome.pid);
        if (act == Wait)
            return;
        outcome.triggerNs = nowNs();
        if (act == Kill) {
            ::kill(pid_t(outcome.pid), SIGKILL);
        } else {
            waiter.cancel();
            poll.start(1);
        }
    });
    QObject::connect(&waiter, &Waiter::succeeded, &loop, [&](const QVariant &result) {
        outcome.succeededNs = nowNs();
        outcome.succeeded = true;
        if (result.metaType() == QMetaType::fromType<QByteArrayList>()) { // a BytesJob's
            for (const QByteArray &bytes : result.value<QByteArrayList>())
                outcome.resultBytes += bytes.size();
        } else if (const QStringList strings = result.toStringList(); // a TestJob's
                   !strings.isEmpty() && strings.constFirst().size() < 4096) {
            outcome.first = strings.constFirst();
        }
        waiter.resultShown(); // as the window does
    });
    QObject::connect(&waiter, &Waiter::failed, &loop, [&](const QString &message) {
        outcome.failedNs = nowNs();
        outcome.failed = true;
        if (act != Kill)
            qWarning("the task failed: %s", qUtf8Printable(message));
    });
    QObject::connect(&waiter, &Waiter::cancelled, &loop, [&] { outcome.cancelled = true; });
    QObject::connect(&waiter, &QThread::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(Timeout, &loop, [&] {
        qWarning("the task did not end within %d s", Timeout / 1000);
        loop.quit();
    });
    std::unique_ptr<StallWatch> stalls(quiet ? nullptr : new StallWatch);
    const std::clock_t cpu = std::clock();
    const qint64 guiCpuNs = threadCpuNs();
    outcome.startNs = nowNs();
    waiter.start(std::move(job), workers);
    loop.exec();
    outcome.finishedNs = nowNs();
    if (stalls)
        outcome.stallMs = stalls->longestMs();
    const double wallMs = ms(outcome.startNs, outcome.finishedNs);
    outcome.cpuPercent = 100 * (double(std::clock() - cpu) * 1000 / CLOCKS_PER_SEC) / wallMs;
    outcome.guiCpuPercent = 100 * (double(threadCpuNs() - guiCpuNs) / 1e6) / wallMs;
    if (act == Cancel && outcome.triggerNs && !outcome.goneNs)
        outcome.goneNs = waitUntilGone(outcome.pid);
    return outcome; // ~Waiter cancels a task that timed out, and waits for it
}

std::unique_ptr<Job> emptyJob(int workers = 1) // a byte for each worker: TestJob splits its input
{
    return std::make_unique<TestJob>(QByteArray(workers, 'w'));
}

// ---- The measurements ---------------------------------------------------------------------------

struct Samples
{
    QList<double> handoff, floor, peakMemory, busyStall, idleStall;
    QList<double> inputHandoff, inputFloor, inputEmpty, decodeStall, decodeCpu;
    QList<double> emptyTask, spawn, firstProgress, cancel, cancelPidGone, crashDetect;
    QList<double> oneWorker, manyWorkers, oneComputing, twoComputing;
    QList<double> orphanExit, waitCpu, waitGuiCpu, workerMemory, appMemory;
};

// `bytes` from memory into a new file in `folder` and back into newly allocated memory.
double fileFloorMs(const QString &folder, qint64 bytes)
{
    const QByteArray data(bytes, 'x');
    QFile file(folder + QLatin1String("/floor"));
    const qint64 start = nowNs();
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != bytes)
        return NotMeasured;
    file.close();
    QByteArray back(bytes, Qt::Uninitialized);
    const bool ok = file.open(QIODevice::ReadOnly) && file.read(back.data(), bytes) == bytes;
    const qint64 end = nowNs();
    file.remove();
    return ok ? ms(start, end) : NotMeasured;
}

// A big result, from the bench worker's stamp (the result made, not yet written) to succeeded()
// here; the GUI thread's stalls meanwhile, and idle for as long.
void measureHandoff(const QString &folder, qint64 mib, Samples *samples)
{
    // A big write costs more when the file system has not just freed as much: an untimed pass
    // first, so that the floor and the handoff each follow one.
    fileFloorMs(folder, mib << 20);
    samples->floor << fileFloorMs(folder, mib << 20);
    const QString stamp = folder + QLatin1String("/stamp");
    QFile::remove(stamp);
    qputenv("BENCH_ROUNDS", "0");
    qputenv("BENCH_MIB", QByteArray::number(mib));
    qputenv("BENCH_STAMP", QFile::encodeName(stamp));
    resetPeakMemory();
    const Outcome big = runTask(std::make_unique<BytesJob>(), 1, Wait, false,
                                QCoreApplication::applicationFilePath());
    samples->peakMemory << peakMemoryMiB();
    const bool ok = big.succeeded && big.resultBytes == mib << 20;
    samples->handoff << (ok ? ms(readStamp(stamp), big.succeededNs) : NotMeasured);
    samples->busyStall << (ok ? big.stallMs : NotMeasured);
    qputenv("BENCH_MIB", "0");

    QEventLoop idle;
    StallWatch stalls;
    QTimer::singleShot(int(ms(big.startNs, big.finishedNs)) + 1, &idle, &QEventLoop::quit);
    idle.exec();
    samples->idleStall << stalls.longestMs();
}

// The floor of an input's handoff: `bytes` through QDataStream into a new file and back into one
// exact allocation, in this process, in pieces as large as QDataStream takes.
double dataStreamFloorMs(const QString &folder, qint64 bytes)
{
    constexpr qint64 Piece = 1 << 30;
    const QByteArray data(bytes, 'i');
    QFile file(folder + QLatin1String("/input-floor"));
    const qint64 start = nowNs();
    if (!file.open(QIODevice::WriteOnly))
        return NotMeasured;
    QDataStream out(&file);
    out << qint64(bytes);
    for (qint64 done = 0; done < bytes; done += Piece)
        out.writeRawData(data.constData() + done, int(qMin(Piece, bytes - done)));
    file.close();
    if (out.status() != QDataStream::Ok || !file.open(QIODevice::ReadOnly))
        return NotMeasured;
    QDataStream in(&file);
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

// start() .. the test worker holds `input` (TESTWORKER_START_STAMP); NaN unless its result, the
// input's size and SHA-1, says that it got it whole.
double msUntilInputHeld(const QString &folder, QByteArray input)
{
    const QString stamp = folder + QLatin1String("/start-stamp");
    QFile::remove(stamp);
    setMode("ok");
    qputenv("TESTWORKER_START_STAMP", QFile::encodeName(stamp));
    const QString expected =
            QStringLiteral("%1 %2")
                    .arg(input.size())
                    .arg(QString::fromLatin1(
                            QCryptographicHash::hash(input, QCryptographicHash::Sha1).toHex()));
    const Outcome run = runTask(std::make_unique<TestJob>(std::move(input)));
    qunsetenv("TESTWORKER_START_STAMP");
    const QString got = run.first.section(u' ', 1); // after the pid
    if (run.succeeded && got != expected)
        qWarning("the worker got another input: %s, not %s", qUtf8Printable(got),
                 qUtf8Printable(expected));
    return run.succeeded && got == expected ? ms(run.startNs, readStamp(stamp)) : NotMeasured;
}

void measureInputHandoff(const QString &folder, qint64 mib, Samples *samples)
{
    dataStreamFloorMs(folder, mib << 20); // as for the result: each follows a big file freed
    samples->inputFloor << dataStreamFloorMs(folder, mib << 20);
    samples->inputHandoff << msUntilInputHeld(folder, QByteArray(mib << 20, 'i'));
    samples->inputEmpty << msUntilInputHeld(folder, QByteArray());
}

// A TestJob whose decoding of each result and combining cost `millis` of its thread's CPU each,
// as a big image's would: all of it on the waiter thread, which the GUI thread must not feel.
class SlowDecodeJob : public TestJob
{
public:
    SlowDecodeJob(int millis, std::atomic<qint64> *cpuNs)
        : TestJob("ab"), m_millis(millis), m_cpuNs(cpuNs)
    {}
    void readResult(int part, QDataStream &in) override
    {
        burn();
        TestJob::readResult(part, in);
    }
    QVariant result() override
    {
        burn();
        return TestJob::result();
    }

private:
    void burn()
    {
        const qint64 start = threadCpuNs();
        volatile quint64 sink = 0;
        while (threadCpuNs() - start < qint64(m_millis) * 1000000)
            sink = compute(1 << 14); // some 10 us
        Q_UNUSED(sink)
        *m_cpuNs += threadCpuNs() - start;
    }
    int m_millis;
    std::atomic<qint64> *m_cpuNs;
};

// 2 workers: each result decoded, then both combined, `millis` of CPU in all.
void measureDecodeStall(int millis, Samples *samples)
{
    setMode("ok");
    std::atomic<qint64> cpuNs {0};
    TestJob::ranOnGuiThread = false;
    const Outcome run = runTask(std::make_unique<SlowDecodeJob>(millis / 3, &cpuNs), 2);
    const bool ok = run.succeeded && !TestJob::ranOnGuiThread;
    samples->decodeStall << (ok ? run.stallMs : NotMeasured);
    samples->decodeCpu << (ok ? double(cpuNs) / 1e6 : NotMeasured);
}

// An empty job (start-up and shut-down only), next to the test worker's empty job alone.
void measureStart(Samples *samples)
{
    setMode("ok");
    const Outcome empty = runTask(emptyJob());
    samples->emptyTask << (empty.succeeded ? ms(empty.startNs, empty.succeededNs) : NotMeasured);
    QProcess process; // no files, no locks, no waiter
    process.setStandardOutputFile(QProcess::nullDevice());
    process.setStandardErrorFile(QProcess::nullDevice());
    const qint64 start = nowNs();
    process.start(TestWorker, {});
    const bool ok = process.waitForFinished(Timeout) && process.exitStatus() == QProcess::NormalExit
            && process.exitCode() == 0;
    samples->spawn << (ok ? ms(start, nowNs()) : NotMeasured);
}

// A worker that hangs at once, checking no flag: at its first progress, Cancel; again, SIGKILL.
void measureStops(Samples *samples)
{
    setMode("hang");
    const Outcome cancel = runTask(emptyJob(), 1, Cancel);
    samples->firstProgress << ms(cancel.startNs, cancel.firstProgressNs);
    samples->workerMemory << cancel.workerMemory;
    samples->cancel << (cancel.cancelled ? ms(cancel.triggerNs, cancel.finishedNs) : NotMeasured);
    samples->cancelPidGone << ms(cancel.triggerNs, cancel.goneNs);
    const Outcome crash = runTask(emptyJob(), 1, Kill);
    samples->crashDetect << (crash.failed ? ms(crash.triggerNs, crash.failedNs) : NotMeasured);
}

// An app (`testworker --host 1`: a waiter, no window) killed while its worker hangs, until that
// worker is gone: the worker has to notice by itself. Also the app's peak memory.
void measureOrphan(Samples *samples)
{
    setMode("hang");
    QProcess host;
    host.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    host.start(TestWorker, {QStringLiteral("--host"), QStringLiteral("1")});
    while (!host.canReadLine() && host.waitForReadyRead(Timeout)) {}
    const qint64 pid = host.readLine().trimmed().toLongLong();
    QThread::msleep(300); // the worker runs, holds its lock and hangs
    samples->appMemory << (pid ? peakMemoryMiB(host.processId()) : NotMeasured);
    const qint64 killNs = nowNs();
    host.kill();
    host.waitForFinished(Timeout); // reaped: a zombie app would look alive to its worker
    samples->orphanExit << ms(killNs, waitUntilGone(pid));
}

// Fixed-length jobs: N workers should take as long as one.
void measureParallel(int workers, int millis, Samples *samples)
{
    setMode("ok", millis);
    const Outcome one = runTask(emptyJob());
    const Outcome many = runTask(emptyJob(workers), workers);
    samples->oneWorker << (one.succeeded ? ms(one.startNs, one.succeededNs) : NotMeasured);
    samples->manyWorkers << (many.succeeded ? ms(many.startNs, many.succeededNs) : NotMeasured);
}

// This process's CPU while one worker runs a job of `millis` ms: the GUI and the waiter threads.
void measureWaitCpu(int millis, Samples *samples)
{
    setMode("ok", millis);
    const Outcome run = runTask(emptyJob(), 1, Wait, true);
    samples->waitCpu << (run.succeeded ? run.cpuPercent : NotMeasured);
    samples->waitGuiCpu << (run.succeeded ? run.guiCpuPercent : NotMeasured);
}

quint64 roundsFor(int millis) // compute()'s rounds for about `millis` ms on one core here
{
    constexpr quint64 Probe = 1 << 24;
    const qint64 start = nowNs();
    volatile quint64 sink = compute(Probe);
    Q_UNUSED(sink)
    return quint64(double(Probe) * millis / qMax(0.001, ms(start, nowNs())));
}

// A computation in 1 bench worker, then split between 2: wall time 1 / wall time 2.
void measureSpeedup(quint64 rounds, Samples *samples)
{
    const auto wallMs = [](int workers, quint64 rounds) {
        qputenv("BENCH_ROUNDS", QByteArray::number(rounds));
        const Outcome run = runTask(std::make_unique<BytesJob>(), workers, Wait, true,
                                    QCoreApplication::applicationFilePath());
        return run.succeeded ? ms(run.startNs, run.succeededNs) : NotMeasured;
    };
    samples->oneComputing << wallMs(1, rounds);
    samples->twoComputing << wallMs(2, rounds / 2);
    qputenv("BENCH_ROUNDS", "0");
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
    bool missed() const { return target && !(target == '>' ? value >= limit : value < limit); }
};

double loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    return file.open(QIODevice::ReadOnly) ? file.readAll().split(' ').value(0).toDouble()
                                          : NotMeasured;
}

// The report goes to `out`; the workers, which inherit this process's stdout, print to stderr.
void report(const QList<Figure> &figures, QJsonObject about, bool json, QTextStream &out)
{
    if (!json) {
        out << APP_NAME " benchmark on " << about[QLatin1String("machine")].toString() << ", "
            << about[QLatin1String("cpus")].toInt() << " CPUs, Qt " << qVersion() << "; medians of "
            << about[QLatin1String("runs")].toInt() << " runs; load average "
            << about[QLatin1String("load_before")].toDouble() << " before, "
            << about[QLatin1String("load_after")].toDouble() << " after\n\n";
        for (const Figure &f : figures)
            out << QStringLiteral("%1 %2 %3 %4 %5  %6\n")
                            .arg(f.key, -22)
                            .arg(f.value, 9, 'f', f.unit == QLatin1String("ms") ? 1 : 2)
                            .arg(f.unit, -4)
                            .arg(f.targetText(), -7)
                            .arg(f.target ? QLatin1String(f.missed() ? "MISS" : "ok")
                                          : QLatin1String(),
                                 -4)
                            .arg(f.what);
        return;
    }
    QJsonObject targets;
    QJsonArray missed;
    for (const Figure &f : figures) {
        about.insert(f.key,
                     std::isnan(f.value) ? QJsonValue() : QJsonValue(f.value)); // no NaN in JSON
        if (f.target)
            targets.insert(f.key, f.targetText());
        if (f.missed())
            missed.append(f.key);
    }
    about.insert(QStringLiteral("targets"), targets);
    about.insert(QStringLiteral("missed"), missed);
    out << QJsonDocument(about).toJson();
}
} // namespace

int main(int argc, char *argv[])
{
    if (argc > 1 && qstrcmp(argv[1], "--worker") == 0) { // --worker --input FILE, from the waiter
        QCoreApplication app(argc, argv);
        return Worker(QString::fromLocal8Bit(argv[argc - 1]), benchWork).exec();
    }
#ifdef __GLIBC__
    // Every big block fresh from the system, as a big result's first time in the app.
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    // The workers inherit stdout: theirs goes to stderr, the report to the real stdout.
    QFile reportFile;
    reportFile.open(::dup(STDOUT_FILENO), QIODevice::WriteOnly, QFileDevice::AutoCloseHandle);
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
    QTemporaryDir temp; // every task's files, removed at the end
    if (!temp.isValid())
        qFatal("cannot create a temporary folder: %s", qUtf8Printable(temp.errorString()));
    qputenv("TMPDIR", QFile::encodeName(temp.path()));
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) // nothing is shown
        qputenv("QT_QPA_PLATFORM", "offscreen");
    if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
        const QString runtime = temp.filePath(QStringLiteral("runtime"));
        QDir().mkdir(runtime);
        QFile::setPermissions(
                runtime, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        qputenv("XDG_RUNTIME_DIR", QFile::encodeName(runtime));
    }
    qputenv("QT_LOGGING_RULES", APP_NAME ".*.debug=false"); // here and in the workers
    QApplication app(argc, argv);

    QCommandLineParser parser;
    parser.setApplicationDescription(
            QStringLiteral("Measures the machinery of " APP_NAME " with its test worker."));
    parser.addHelpOption();
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print one JSON object, not a table."));
    const QCommandLineOption quickOption(QStringLiteral("quick"),
                                         QStringLiteral("Small sizes, one run: a few seconds."));
    const QCommandLineOption runsOption(QStringLiteral("runs"),
                                        QStringLiteral("Runs of each measurement (default 3)."),
                                        QStringLiteral("n"));
    const QCommandLineOption mibOption(
            QStringLiteral("mib"),
            QStringLiteral("The big result and input in MiB (default 256, 16 with --quick)."),
            QStringLiteral("n"));
    parser.addOptions({json, quickOption, runsOption, mibOption});
    parser.process(app);
    const bool quick = parser.isSet(quickOption);
    const int runs = parser.isSet(runsOption) ? parser.value(runsOption).toInt() : quick ? 1 : 3;
    const qint64 mib = parser.isSet(mibOption) ? parser.value(mibOption).toLongLong()
            : quick                            ? 16
                                               : 256;
    if (runs < 1 || mib < 0) {
        QTextStream(stderr) << "--runs takes a whole number above 0, --mib one from 0" << Qt::endl;
        return 2;
    }
    const int workers = qMax(2, QThread::idealThreadCount());
    const int parallelMillis = quick ? 500 : 2000;
    const int waitMillis = quick ? 1000 : 5000; // as the old benchmark: a wait of 5 s,
    const int computeMillis = quick ? 500 : 4000; // a computation of about 4 s
    const int decodeMillis = 300;
    const quint64 rounds = roundsFor(computeMillis);

    QJsonObject about {{QStringLiteral("machine"), QSysInfo::prettyProductName()},
                       {QStringLiteral("cpus"), QThread::idealThreadCount()},
                       {QStringLiteral("qt"), QLatin1String(qVersion())},
                       {QStringLiteral("runs"), runs},
                       {QStringLiteral("quick"), quick},
                       {QStringLiteral("result_mib"), mib},
                       {QStringLiteral("workers"), workers},
                       {QStringLiteral("wait_ms"), waitMillis},
                       {QStringLiteral("compute_ms"), computeMillis},
                       {QStringLiteral("load_before"), loadAverage()}};
    Samples samples;
    measureStart(&samples); // not counted: the program files are read, the caches warm
    samples = {};
    for (int run = 0; run < runs; ++run) {
        QTextStream(stderr) << "run " << run + 1 << " of " << runs << "..." << Qt::endl;
        measureHandoff(temp.path(), mib, &samples);
        measureInputHandoff(temp.path(), mib, &samples);
        measureDecodeStall(decodeMillis, &samples);
        measureStart(&samples);
        measureStops(&samples);
        measureParallel(workers, parallelMillis, &samples);
        measureOrphan(&samples);
        measureWaitCpu(waitMillis, &samples);
        measureSpeedup(rounds, &samples);
    }
    about.insert(QStringLiteral("load_after"), loadAverage());

    const auto m = [](const QList<double> &s) { return median(s); };
    const QString size = QString::number(mib) + QLatin1String(" MiB");
    const double idle = m(samples.idleStall);
    const QList<Figure> figures = {
            {QStringLiteral("handoff_ms"), m(samples.handoff), QStringLiteral("ms"),
             QStringLiteral(
                     "a %1 result: the worker's job has made it .. succeeded() in the GUI thread")
                     .arg(size)},
            {QStringLiteral("handoff_floor_ms"), m(samples.floor), QStringLiteral("ms"),
             QStringLiteral("the same bytes: memory -> file -> newly allocated memory")},
            {QStringLiteral("handoff_ratio"), m(samples.floor) / m(samples.handoff), QString(),
             QStringLiteral("floor / handoff"), '>', 0.5},
            {QStringLiteral("handoff_peak_mib"),
             samples.peakMemory.isEmpty()
                     ? NotMeasured
                     : *std::max_element(samples.peakMemory.cbegin(), samples.peakMemory.cend()),
             QStringLiteral("MiB"),
             QStringLiteral("this process's peak memory (VmHWM) during the handoff")},
            {QStringLiteral("busy_stall_ms"), m(samples.busyStall), QStringLiteral("ms"),
             QStringLiteral("longest gap of a 1 ms GUI timer while the %1 result comes and goes")
                     .arg(size),
             '<', 16},
            {QStringLiteral("idle_stall_ms"), idle, QStringLiteral("ms"),
             QStringLiteral("the same, idle, for as long")},
            {QStringLiteral("input_handoff_ms"), m(samples.inputHandoff), QStringLiteral("ms"),
             QStringLiteral("a %1 input: start() .. the worker's job holds it, checked").arg(size)},
            {QStringLiteral("input_handoff_floor_ms"), m(samples.inputFloor), QStringLiteral("ms"),
             QStringLiteral("the same bytes in this process: QDataStream -> a new file -> newly "
                            "allocated memory")},
            {QStringLiteral("input_handoff_ratio"), m(samples.inputFloor) / m(samples.inputHandoff),
             QString(), QStringLiteral("input floor / input handoff"), '>', 0.7},
            {QStringLiteral("input_handoff_empty_ms"), m(samples.inputEmpty), QStringLiteral("ms"),
             QStringLiteral("the same with an empty input: a task's fixed costs, included above")},
            {QStringLiteral("decode_stall_ms"), m(samples.decodeStall), QStringLiteral("ms"),
             QStringLiteral("longest GUI gap while 2 results land whose decoding and combining "
                            "cost %1 ms of CPU")
                     .arg(decodeMillis),
             '<', idle + 3},
            {QStringLiteral("decode_cpu_ms"), m(samples.decodeCpu), QStringLiteral("ms"),
             QStringLiteral("the CPU of that decoding and combining, all on the waiter thread")},
            {QStringLiteral("empty_task_ms"), m(samples.emptyTask), QStringLiteral("ms"),
             QStringLiteral("an empty job: start() .. succeeded() in the GUI thread")},
            {QStringLiteral("spawn_floor_ms"), m(samples.spawn), QStringLiteral("ms"),
             QStringLiteral("the test worker's empty job alone, without files or waiter")},
            {QStringLiteral("start_overhead"), m(samples.emptyTask) / m(samples.spawn), QString(),
             QStringLiteral("empty task / spawn floor"), '<', 1.5},
            {QStringLiteral("first_progress_ms"), m(samples.firstProgress), QStringLiteral("ms"),
             QStringLiteral(
                     "start() .. the first progressChanged() of a worker in the GUI thread")},
            {QStringLiteral("cancel_ms"), m(samples.cancel), QStringLiteral("ms"),
             QStringLiteral("a hung job: cancel() .. QThread::finished in the GUI thread"), '<',
             250},
            {QStringLiteral("parallel_efficiency"), m(samples.oneWorker) / m(samples.manyWorkers),
             QString(),
             QStringLiteral("a %1 ms job: wall time of 1 worker / of %2 workers")
                     .arg(parallelMillis)
                     .arg(workers),
             '>', 0.9},
            {QStringLiteral("crash_detect_ms"), m(samples.crashDetect), QStringLiteral("ms"),
             QStringLiteral("a running worker killed (SIGKILL) .. failed() in the GUI thread"), '<',
             100},
            {QStringLiteral("cancel_pid_gone_ms"), m(samples.cancelPidGone), QStringLiteral("ms"),
             QStringLiteral("a hung worker: cancel() .. its pid gone"), '<', 250},
            {QStringLiteral("orphan_exit_ms"), m(samples.orphanExit), QStringLiteral("ms"),
             QStringLiteral("an app killed (SIGKILL) .. its hung worker's pid gone"), '<', 1000},
            {QStringLiteral("wait_cpu_pct"), m(samples.waitCpu), QStringLiteral("%"),
             QStringLiteral("this process's CPU / wall time while a %1 ms job runs")
                     .arg(waitMillis),
             '<', 0.5},
            {QStringLiteral("wait_gui_cpu_pct"), m(samples.waitGuiCpu), QStringLiteral("%"),
             QStringLiteral("of which the GUI thread's; the rest is the waiter thread's")},
            {QStringLiteral("worker_rss_mib"), m(samples.workerMemory), QStringLiteral("MiB"),
             QStringLiteral("a running test worker's peak memory (VmHWM)")},
            {QStringLiteral("app_rss_mib"), m(samples.appMemory), QStringLiteral("MiB"),
             QStringLiteral("the peak memory of an app: testworker --host, a waiter, no window")},
            {QStringLiteral("speedup_2"), m(samples.oneComputing) / m(samples.twoComputing),
             QString(),
             QStringLiteral("%1 ms of computation: wall time in 1 worker / split between 2")
                     .arg(computeMillis),
             '>', 1.8},
    };
    QTextStream out(&reportFile);
    report(figures, about, parser.isSet(json), out);
    const bool ran = std::none_of(figures.cbegin(), figures.cend(),
                                  [](const Figure &f) { return std::isnan(f.value); });
    return ran ? 0 : 1;
}
