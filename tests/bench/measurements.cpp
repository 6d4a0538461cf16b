// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "measurements.h"

#include "demotask.h"
#include "mainwindow.h"
#include "testsupport.h"
#include "windowdriver.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLoggingCategory>
#include <QProcess>
#include <QPushButton>
#include <QTest>
#include <QTextStream>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <ctime>
#include <functional>
#include <limits>
#include <memory>

#include <signal.h> // ::kill: test code, to crash a worker from outside as a bug would

using namespace WindowDriver;

namespace {
constexpr double NotMeasured = std::numeric_limits<double>::quiet_NaN();
constexpr int Timeout = 60000; // ms: generous, the machine may be loaded
constexpr int TickMs = 5; // the GUI timer whose lateness is the stall
constexpr int IdleMs = 500; // how long the idle window is watched, per run
// The demo task with its default input, as the window runs it: a few seconds on one core.
constexpr quint64 WaitTrials = 125'000'000; // about 5 s on one core
// The relay (runRelay) adds --pad-result with this many MiB; the window has no option for it.
const char PadVariable[] = "LONGTASKRUNNIN_BENCH_PAD_MIB";

double milliseconds(const QElapsedTimer &clock)
{
    return double(clock.nsecsElapsed()) / 1e6;
}

// The median of the samples that were measured; a timed-out run (NaN) is left out and reported.
double median(QList<double> samples)
{
    const auto notMeasured = [](double sample) { return std::isnan(sample); };
    const auto missing = std::count_if(samples.cbegin(), samples.cend(), notMeasured);
    if (missing > 0)
        qWarning("%lld of %lld runs timed out or failed", qint64(missing), qint64(samples.size()));
    samples.erase(std::remove_if(samples.begin(), samples.end(), notMeasured), samples.end());
    if (samples.isEmpty())
        return NotMeasured;
    std::sort(samples.begin(), samples.end());
    const qsizetype middle = samples.size() / 2;
    return samples.size() % 2 ? samples.at(middle)
                              : (samples.at(middle - 1) + samples.at(middle)) / 2;
}

// Milliseconds from calling `trigger` until `signal` is handled in this thread's event loop, or
// NaN after Timeout. The connection is made before the trigger, so that no emission is missed;
// a sender in another thread reaches us through a queued connection, as it reaches the window.
template<typename Sender, typename Signal>
double timeToSignal(const Sender *sender, Signal signal, const std::function<void()> &trigger)
{
    QEventLoop loop;
    QElapsedTimer clock;
    double elapsed = NotMeasured;
    QObject::connect(sender, signal, &loop, [&] {
        if (std::isnan(elapsed))
            elapsed = milliseconds(clock);
        loop.quit();
    });
    QTimer::singleShot(Timeout, &loop, &QEventLoop::quit);
    clock.start();
    trigger();
    if (std::isnan(elapsed))
        loop.exec();
    return elapsed;
}

// Milliseconds on `clock` when `pid` is gone (a zombie counts as gone), or NaN after Timeout.
// Linux offers Qt no way to wait for a process that is not our child, so a 1 ms timer looks.
double timeUntilGone(qint64 pid, const QElapsedTimer &clock)
{
    QEventLoop loop;
    QTimer poll;
    poll.setTimerType(Qt::PreciseTimer);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (!processExists(pid))
            loop.quit();
    });
    QTimer::singleShot(Timeout, &loop, &QEventLoop::quit);
    poll.start(1);
    if (processExists(pid))
        loop.exec();
    return processExists(pid) ? NotMeasured : milliseconds(clock);
}

// Test code: the peak resident memory of a live process, VmHWM in Linux's /proc; Qt has no API.
double peakRssMiB(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return NotMeasured;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024;
    }
    return NotMeasured;
}

QString workerProgram()
{
    return QStringLiteral(WORKER_PROGRAM);
}

// ---- The window ---------------------------------------------------------------------------------

// Quits a loop when the watched widget is enabled again. For the Start button that is the
// window's sign that its task ended; an event filter sees it at once, and polls nothing, which
// would add work of its own to what is measured.
class EnabledFilter : public QObject
{
public:
    explicit EnabledFilter(QEventLoop *loop) : m_loop(loop) { }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::EnabledChange && static_cast<QWidget *>(watched)->isEnabled())
            m_loop->quit();
        return false;
    }

private:
    QEventLoop *m_loop;
};

// Clicks Start, as a user does, and returns once the task ended: whether it succeeded.
bool runWindowTask(QWidget *window)
{
    auto start = widget<QPushButton>(window, "startButton");
    QEventLoop loop;
    EnabledFilter filter(&loop);
    start->installEventFilter(&filter);
    QTimer::singleShot(Timeout, &loop, &QEventLoop::quit);
    start->click();
    loop.exec();
    start->removeEventFilter(&filter);
    return start->isEnabled()
            && widget<QLabel>(window, "statusLabel")->text() == QLatin1String("Done.");
}

// ---- Round trip ---------------------------------------------------------------------------------

double roundtripOnce(TaskThread *thread)
{
    const double ms = timeToSignal(thread, &TaskThread::succeeded, [thread] {
        thread->start(DemoTask::withWork(1), 1, Failure::None);
    });
    thread->wait(); // succeeded() is the last thing its run() does: this returns at once
    return ms;
}

double spawnFloorOnce()
{
    QElapsedTimer clock;
    clock.start();
    QProcess process;
    process.start(workerProgram(), {QStringLiteral("--version")});
    const bool ok = process.waitForFinished(Timeout) && process.exitStatus() == QProcess::NormalExit
            && process.exitCode() == 0;
    return ok ? milliseconds(clock) : NotMeasured;
}

double inProcessOnceUs()
{
    std::unique_ptr<QThread> thread(
            QThread::create([] { Task::run(DemoTask::withWork(1), [](qint64, qint64) {}); }));
    const double ms =
            timeToSignal(thread.get(), &QThread::finished, [&thread] { thread->start(); });
    thread->wait();
    return ms * 1000;
}

// ---- Transfer -----------------------------------------------------------------------------------

// One transfer of a big result, in milliseconds.
struct TransferTimes
{
    double write; // the worker, from its start until it has exited
    double read; // the reader thread, from its start until its finished() is handled here
};

// The real worker writes a big result; a thread reads it back with the waiter's reader. (The
// window has no way to ask its worker for --pad-result; the worker is started attached here.)
TransferTimes transferOnce(const QString &folder)
{
    const QString path = folder + QLatin1String("/transfer.result");
    QProcess worker;
    const double write = timeToSignal(&worker, &QProcess::finished, [&] {
        worker.start(workerProgram(),
                     {QStringLiteral("--worker"), QStringLiteral("--trials"), QStringLiteral("1"),
                      QStringLiteral("--output"), path, QStringLiteral("--pad-result"),
                      QString::number(Measure::ResultMiB)});
    });

    WorkerReport report;
    bool ok = false;
    std::unique_ptr<QThread> reader(QThread::create([&] {
        QFile file(path);
        QString error;
        ok = file.open(QIODevice::ReadOnly) && ResultFile::read(&file, &report, &error);
    }));
    const double read =
            timeToSignal(reader.get(), &QThread::finished, [&reader] { reader->start(); });
    reader->wait();
    QFile::remove(path);
    if (!ok || report.ballast.size() != qsizetype(Measure::ResultMiB) << 20)
        return {NotMeasured, NotMeasured};
    return {write, read};
}

bool writeFile(const QString &path, int mib)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    const QByteArray block(1 << 20, '\x5a');
    for (int i = 0; i < mib; ++i) {
        if (file.write(block) != block.size())
            return false;
    }
    return true;
}

double copyOnce(const QString &source)
{
    const QString target = source + QLatin1String(".copy");
    QElapsedTimer clock;
    clock.start();
    const bool ok = QFile::copy(source, target);
    const double seconds = milliseconds(clock) / 1000;
    QFile::remove(target);
    return ok ? Measure::ResultMiB / seconds : NotMeasured;
}

// ---- Speed-up -----------------------------------------------------------------------------------

double wallMs(TaskThread *thread, int workers)
{
    const double ms = timeToSignal(thread, &TaskThread::succeeded, [thread, workers] {
        thread->start(TaskInput(), workers, Failure::None);
    });
    thread->wait();
    return ms;
}

// ---- Stall --------------------------------------------------------------------------------------

// Watches the GUI thread: the largest lateness of a 5 ms timer since the last take().
class StallMeter
{
public:
    StallMeter()
    {
        m_ticker.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_ticker, &QTimer::timeout, [this] { tick(); });
        m_clock.start();
        m_ticker.start(TickMs);
    }

    double take()
    {
        const double worst = m_worst;
        m_worst = 0;
        return worst;
    }

private:
    void tick()
    {
        const qint64 now = m_clock.nsecsElapsed();
        m_worst = std::max(m_worst, double(now - m_last) / 1e6 - TickMs);
        m_last = now;
    }

    QTimer m_ticker;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    double m_worst = 0;
};

void idle(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// ---- Crash and cancel ---------------------------------------------------------------------------

// Starts an endless task and returns its worker's pid once the worker runs (the waiter has read
// its progress, so it holds its lock), or 0.
qint64 startEndless(TaskThread *thread)
{
    qint64 pid = 0;
    QObject context; // queued, like progressChanged(), and emitted before it: it arrives first
    QObject::connect(thread, &TaskThread::workersStarted, &context,
                     [&pid](const QList<qint64> &pids) { pid = pids.value(0); });
    const double ms = timeToSignal(thread, &TaskThread::progressChanged, [thread] {
        thread->start(DemoTask::endless(), 1, Failure::None);
    });
    if (std::isnan(ms) || pid == 0) {
        thread->cancel();
        thread->wait();
        return 0;
    }
    return pid;
}

double crashDetectOnce(TaskThread *thread, double *rssMiB)
{
    const qint64 pid = startEndless(thread);
    if (!pid)
        return NotMeasured;
    *rssMiB = peakRssMiB(pid); // just before it ends: a high-water mark only grows
    const double ms = timeToSignal(thread, &TaskThread::failed, [pid] {
        ::kill(pid_t(pid), SIGKILL); // test code: the worker dies without a word, as in a crash
    });
    thread->wait();
    return ms;
}

double cancelOnce(TaskThread *thread)
{
    const qint64 pid = startEndless(thread);
    if (!pid)
        return NotMeasured;
    QElapsedTimer clock;
    clock.start();
    thread->cancel();
    const double ms = timeUntilGone(pid, clock);
    thread->wait();
    return ms;
}

// ---- Orphan -------------------------------------------------------------------------------------

// Starts this binary as a --host app and returns its worker's pid once the worker runs, or 0.
qint64 startHost(QProcess *host)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    host->setProcessEnvironment(environment);
    host->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QEventLoop loop;
    QObject::connect(host, &QProcess::readyReadStandardOutput, &loop, [&] {
        if (host->canReadLine())
            loop.quit();
    });
    QObject::connect(host, &QProcess::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(Timeout, &loop, &QEventLoop::quit);
    host->start(QCoreApplication::applicationFilePath(), {QStringLiteral("--host")});
    loop.exec();
    const QByteArray line = host->readLine().trimmed();
    return line.startsWith("pid ") ? line.mid(4).toLongLong() : 0;
}

double orphanOnce(double *appRssMiB)
{
    QProcess host;
    const qint64 pid = startHost(&host);
    if (!pid) {
        host.kill();
        host.waitForFinished();
        return NotMeasured;
    }
    *appRssMiB = peakRssMiB(host.processId());
    QElapsedTimer clock;
    clock.start();
    host.kill(); // SIGKILL: the app gets no chance to clean up
    const double ms = timeUntilGone(pid, clock);
    host.waitForFinished();
    return ms;
}
} // namespace

Measure::Roundtrip Measure::roundtrip(int runs)
{
    TaskThread thread; // one for all runs, as the window has
    thread.setWorkerProgram(workerProgram());
    // Once before measuring: loads the binaries into the page cache and resolves lazy symbols.
    roundtripOnce(&thread);
    spawnFloorOnce();
    inProcessOnceUs();

    QList<double> roundtrips, floors, inProcess;
    for (int run = 0; run < runs; ++run) {
        roundtrips << roundtripOnce(&thread);
        floors << spawnFloorOnce();
        inProcess << inProcessOnceUs();
    }
    return {median(roundtrips), median(floors), median(inProcess)};
}

Measure::Transfer Measure::transfer(const QString &folder, int runs)
{
    const QString source = folder + QLatin1String("/copy.source");
    if (!writeFile(source, ResultMiB))
        return {NotMeasured, NotMeasured, NotMeasured, NotMeasured};
    QList<double> transfers, copies, writes, reads;
    for (int run = 0; run < runs; ++run) {
        const TransferTimes times = transferOnce(folder);
        transfers << ResultMiB / ((times.write + times.read) / 1000);
        writes << times.write;
        reads << times.read;
        copies << copyOnce(source);
    }
    QFile::remove(source);
    return {median(transfers), median(copies), median(writes), median(reads)};
}

Measure::Speedup Measure::speedup(int runs)
{
    const int n = QThread::idealThreadCount();
    TaskThread thread;
    thread.setWorkerProgram(workerProgram());
    QList<double> ones, twos, ns;
    for (int run = 0; run < runs; ++run) {
        ones << wallMs(&thread, 1);
        twos << wallMs(&thread, 2);
        if (n != 2)
            ns << wallMs(&thread, n);
    }
    const double speedup2 = median(ones) / median(twos);
    return {speedup2, n == 2 ? speedup2 : median(ones) / median(ns), n};
}

Measure::Stall Measure::stall(int runs)
{
    // The window's worker is this binary's relay, which adds --pad-result to the real worker:
    // the task starts, runs, reports progress and delivers a big result.
    qputenv(PadVariable, QByteArray::number(ResultMiB));
    auto window = newWindow(DemoTask::quick(), QCoreApplication::applicationFilePath());
    StallMeter meter;
    QList<double> stalls, idles;
    for (int run = 0; run < runs; ++run) {
        meter.take();
        idle(IdleMs);
        idles << meter.take();
        stalls << (runWindowTask(window.get()) ? meter.take() : NotMeasured);
    }
    qunsetenv(PadVariable);
    return {median(stalls), median(idles)};
}

Measure::Stop Measure::stop(int runs)
{
    TaskThread thread;
    thread.setWorkerProgram(workerProgram());
    QList<double> crashes, cancels, rss;
    for (int run = 0; run < runs; ++run) {
        double rssMiB = NotMeasured;
        crashes << crashDetectOnce(&thread, &rssMiB);
        rss << rssMiB;
        cancels << cancelOnce(&thread);
    }
    return {median(crashes), median(cancels), median(rss)};
}

Measure::Orphan Measure::orphan(int runs)
{
    QList<double> exits, rss;
    for (int run = 0; run < runs; ++run) {
        double rssMiB = NotMeasured;
        exits << orphanOnce(&rssMiB);
        rss << rssMiB;
    }
    return {median(exits), median(rss)};
}

double Measure::waitCpuPercent()
{
    auto window = newWindow(DemoTask::withWork(WaitTrials), workerProgram());
    QElapsedTimer wall;
    wall.start();
    // The CPU time of this whole process, all its threads: the GUI thread and the waiter.
    const std::clock_t cpu = std::clock();
    if (!runWindowTask(window.get()))
        return NotMeasured;
    const double cpuSeconds = double(std::clock() - cpu) / CLOCKS_PER_SEC;
    return 100 * cpuSeconds / (milliseconds(wall) / 1000);
}

int Measure::runHost(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral(APP_NAME ".*.info=false"));
    auto window = newWindow(DemoTask::endless(), workerProgram());
    auto pids = widget<QLabel>(window.get(), "pidsLabel");
    auto files = widget<QLabel>(window.get(), "fileLabel");
    // The worker runs once it holds its lock: then its pid goes to the benchmark.
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, window.get(), [&] {
        const QString lock = WorkerFiles::lock(QDir::fromNativeSeparators(files->text()));
        if (pids->text().isEmpty() || !QFileInfo::exists(lock))
            return;
        poll.stop();
        QTextStream(stdout) << "pid " << pids->text() << Qt::endl;
    });
    poll.start(1);
    widget<QPushButton>(window.get(), "startButton")->click();
    return app.exec();
}

int Measure::runRelay(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QProcess worker;
    worker.setProcessChannelMode(QProcess::ForwardedChannels);
    worker.start(workerProgram(),
                 app.arguments().mid(1) << QStringLiteral("--pad-result")
                                        << qEnvironmentVariable(PadVariable, QStringLiteral("0")));
    if (!worker.waitForFinished(-1) || worker.exitStatus() != QProcess::NormalExit)
        return ExitIoError;
    return worker.exitCode();
}
