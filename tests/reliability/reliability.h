// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef RELIABILITY_H
#define RELIABILITY_H

// What the fault matrix (tst_faults) and the soak (tst_soak) share: what the waiter reported,
// the workers' logs, and counts of what a task may leave behind, read from /proc. The /proc reads
// are Linux-only test code; the app itself never needs them (it watches its workers' locks).

#include "testsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QMutex>
#include <QProcess>
#include <QSocketNotifier>
#include <QSpinBox>
#include <QStringList>

#include <cstdio>
#include <optional>
#include <utility>

#include <fcntl.h> // ::fcntl
#include <signal.h> // ::kill
#include <sys/resource.h> // ::getrlimit, ::setrlimit
#include <unistd.h> // ::read

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool Sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool Sanitized = true;
#else
constexpr bool Sanitized = false;
#endif
#else
constexpr bool Sanitized = false;
#endif

// The spin box allows idealThreadCount() workers (2 on small machines); tests raise it.
inline void setWorkers(QWidget *window, int count)
{
    auto box = widget<QSpinBox>(window, "workersBox");
    box->setMaximum(qMax(box->maximum(), count));
    box->setValue(count);
}

inline QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The logs of the workers of the tasks whose folders are in `temp` (the app's TMPDIR): in a task's
// folder, worker N's log is worker-N.XXXXXX.log. `index` 0 means every worker.
inline QStringList workerLogs(const QString &temp, int index = 0)
{
    const QString pattern = index > 0 ? QStringLiteral("worker-%1.??????.log").arg(index)
                                      : QStringLiteral("worker-*.??????.log");
    QStringList logs;
    const QDir tempDir(temp);
    const QStringList folders = tempDir.entryList({QStringLiteral(APP_NAME "-??????")}, QDir::Dirs);
    for (const QString &folder : folders) {
        const QDir dir(tempDir.filePath(folder));
        for (const QString &log : dir.entryList({pattern}, QDir::Files))
            logs << dir.filePath(log);
    }
    return logs;
}

// How many of those logs contain `text`.
inline int logsContaining(const QString &temp, const QByteArray &text, int index = 0)
{
    int count = 0;
    for (const QString &log : workerLogs(temp, index))
        count += readAll(log).contains(text) ? 1 : 0;
    return count;
}

// What `temp` (the app's TMPDIR) held at each end of a task that the waiter told of (succeeded,
// failed, cancelled), looked at in the waiter thread as it emits: the task's folder is gone then.
class FilesAtEnd
{
public:
    FilesAtEnd(Waiter *waiter, const QString &temp)
    {
        const auto look = [this, temp] {
            const QStringList files = filesIn(temp);
            const QMutexLocker locker(&m_mutex);
            m_ends << files;
        };
        QObject::connect(waiter, &Waiter::succeeded, &m_context, look, Qt::DirectConnection);
        QObject::connect(waiter, &Waiter::failed, &m_context, look, Qt::DirectConnection);
        QObject::connect(waiter, &Waiter::cancelled, &m_context, look, Qt::DirectConnection);
    }

    // One list per end, in order.
    QList<QStringList> ends() const
    {
        const QMutexLocker locker(&m_mutex);
        return m_ends;
    }

private:
    QObject m_context; // the connections go with it
    mutable QMutex m_mutex;
    QList<QStringList> m_ends;
};

// Linux-only: every live process whose command line mentions `text` (the test's folder, which
// every worker has in its --result). Zombies do not count: see processExists().
inline QList<qint64> processesMentioning(const QString &text)
{
    const QByteArray needle = QFile::encodeName(text);
    QList<qint64> pids;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        if (isPid && pid != QCoreApplication::applicationPid()
            && readAll(QStringLiteral("/proc/%1/cmdline").arg(pid)).contains(needle)
            && processExists(pid))
            pids << pid;
    }
    return pids;
}

// Linux-only: a field of /proc/self/status in KiB, such as VmRSS or VmPeak.
inline qint64 statusKiB(const char *field)
{
    const QByteArray key = QByteArray(field) + ':';
    const QList<QByteArray> lines = readAll(QStringLiteral("/proc/self/status")).split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith(key))
            return line.mid(key.size()).trimmed().split(' ').constFirst().toLongLong();
    }
    return -1;
}

// Linux-only: the names of this process's threads. QThread names a thread after its objectName
// (the waiter's is "waiter") or else its class; Qt's global thread pool keeps idle threads
// ("Thread (pooled)") for 30 s.
inline QStringList threadNames()
{
    QStringList names;
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        names << QString::fromUtf8(readAll(tasks.filePath(tid + QLatin1String("/comm"))).trimmed());
    return names;
}

// Linux-only: this process's open file descriptors.
inline int openFds()
{
    return int(filesIn(QStringLiteral("/proc/self/fd")).size());
}

// ---- The app in a process of its own (Linux) ----------------------------------------------------
//
// Tests that kill the app, or starve it, run it as a process of its own: their binary, started as
// `TEST --host WORKERS`, is the app (runHostApp()): a window whose workers are the test worker. It
// reads commands on stdin, one a line, and reports on stdout, one report a line:
//   start, cancel, quit   clicks that button; start reports "clicked STATUS" right after the click
//   spam N                clicks Start N times, handling events between clicks: "spammed"
//   wait                  "waited STATUS" once Start is enabled (at once if it is)
//   files N               leaves the app N free file descriptors (RLIMIT_NOFILE): "limited"
//   memory KIB            lets its address space grow by KIB only (RLIMIT_AS): "limited"
//   unlimit               takes both limits back: "limited"
// and, as the window hears them from the waiter: "ready", "pids P1 P2", "progress" (a task's first
// report of progress: the waiter has seen a worker at work), "succeeded HEX,HEX",
// "failed TEXT", "cancelled", then "idle STATUS" as Start comes back. TEXT and STATUS are
// percent-encoded, so that a report is one line. At the end of its stdin the app quits.

inline QByteArray encodedText(const QString &text)
{
    return text.toUtf8().toPercentEncoding(" ");
}

inline QString decodedText(const QByteArray &encoded)
{
    return QString::fromUtf8(QByteArray::fromPercentEncoding(encoded));
}

// Linux-only: a process's state letter in /proc (R running, S sleeping, T stopped, Z zombie...).
inline char processStateOf(qint64 pid)
{
    const QByteArray stat = readAll(QStringLiteral("/proc/%1/stat").arg(pid));
    const int end = stat.lastIndexOf(')');
    return end > 0 && stat.size() > end + 2 ? stat.at(end + 2) : '?';
}

// SIGSTOP, and true once the process is stopped.
inline bool stopProcess(qint64 pid, int timeout = SettleTimeout)
{
    return ::kill(pid_t(pid), SIGSTOP) == 0
            && QTest::qWaitFor([pid] { return processStateOf(pid) == 'T'; }, timeout);
}

// Lowers the soft limit on descriptors so that exactly `count` of them are free: the limit is the
// number of the first free descriptor after `count` free ones.
inline void leaveFreeFiles(int count)
{
    int fd = 0;
    for (int free = 0;; ++fd) {
        if (::fcntl(fd, F_GETFD) == -1 && free++ == count)
            break;
    }
    rlimit limit {};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = rlim_t(fd);
    ::setrlimit(RLIMIT_NOFILE, &limit);
}

inline int runHostApp(int workers)
{
    rlimit files {};
    rlimit memory {};
    ::getrlimit(RLIMIT_NOFILE, &files);
    ::getrlimit(RLIMIT_AS, &memory);
    auto window = newWindow();
    QWidget *app = window.get();
    setWorkers(app, workers);
    Waiter *waiter = waiterOf(app);
    const auto report = [](const QByteArray &line) {
        std::fputs(QByteArray(line + '\n').constData(), stdout);
        std::fflush(stdout);
    };
    bool progressed = false;
    QObject::connect(waiter, &Waiter::progressChanged, app, [&] {
        if (!std::exchange(progressed, true))
            report("progress");
    });
    QObject::connect(waiter, &Waiter::workersStarted, app, [&](const QList<qint64> &pids) {
        progressed = false;
        QByteArrayList texts;
        for (qint64 pid : pids)
            texts << QByteArray::number(pid);
        report("pids " + texts.join(' '));
    });
    QObject::connect(waiter, &Waiter::succeeded, app, [&](const QVariant &result) {
        QByteArrayList hex;
        for (const QByteArray &result : result.value<QList<QByteArray>>())
            hex << result.toHex();
        report("succeeded " + hex.join(','));
    });
    QObject::connect(waiter, &Waiter::failed, app,
                     [&](const QString &message) { report("failed " + encodedText(message)); });
    QObject::connect(waiter, &Waiter::cancelled, app, [&] { report("cancelled"); });
    bool waiting = false;
    QObject::connect(waiter, &QThread::finished, app, [&] {
        report("idle " + encodedText(status(app)));
        if (std::exchange(waiting, false))
            report("waited " + encodedText(status(app)));
    });

    const auto run = [&](const QByteArray &line) {
        const QByteArray verb = line.split(' ').constFirst();
        const qint64 number = line.split(' ').value(1).toLongLong();
        if (verb == "start") {
            click(app, "startButton");
            report("clicked " + encodedText(status(app)));
        } else if (verb == "cancel" || verb == "quit") {
            click(app, verb == "cancel" ? "cancelButton" : "quitButton");
        } else if (verb == "spam") {
            for (qint64 press = 0; press < number; ++press) {
                click(app, "startButton");
                QCoreApplication::processEvents();
            }
            report("spammed");
        } else if (verb == "wait") {
            waiting = !isIdle(app);
            if (!waiting)
                report("waited " + encodedText(status(app)));
        } else {
            if (verb == "files") {
                leaveFreeFiles(int(number));
            } else if (verb == "memory") {
                rlimit limit = memory;
                limit.rlim_cur = rlim_t(statusKiB("VmSize") + number) * 1024;
                ::setrlimit(RLIMIT_AS, &limit);
            } else {
                ::setrlimit(RLIMIT_NOFILE, &files);
                ::setrlimit(RLIMIT_AS, &memory);
            }
            report("limited");
        }
    };
    QSocketNotifier input(STDIN_FILENO, QSocketNotifier::Read);
    QByteArray buffer;
    QObject::connect(&input, &QSocketNotifier::activated, app, [&] {
        char chunk[512];
        const ssize_t size = ::read(STDIN_FILENO, chunk, sizeof chunk);
        if (size <= 0) { // the test is gone
            input.setEnabled(false);
            app->close();
        }
        buffer.append(chunk, qMax<ssize_t>(size, 0));
        for (int end; (end = buffer.indexOf('\n')) >= 0; buffer.remove(0, end + 1))
            run(buffer.left(end));
    });
    report("ready");
    return QCoreApplication::exec();
}

// The test's side of an app run by runHostApp(): it starts it, sends it commands and keeps its
// reports.
class HostApp
{
public:
    HostApp() = default;
    HostApp(const HostApp &) = delete;
    HostApp &operator=(const HostApp &) = delete;
    ~HostApp()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }

    // Starts this test binary as the app, with the test's environment (TMPDIR, TESTWORKER_*) and
    // `runtime` as XDG_RUNTIME_DIR: without one, Qt may make one in TMPDIR. Its stderr goes to the
    // test's, or (SeparateChannels) to process().readAllStandardError().
    bool start(int workers, const QString &runtime,
               QProcess::ProcessChannelMode mode = QProcess::ForwardedErrorChannel)
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime);
        QDir().mkpath(runtime);
        QFile::setPermissions(
                runtime, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        m_process.setProcessEnvironment(environment);
        m_process.setProcessChannelMode(mode);
        m_process.start(QCoreApplication::applicationFilePath(),
                        {QStringLiteral("--host"), QString::number(workers)});
        return m_process.waitForStarted() && next("ready").has_value();
    }

    void send(const QByteArray &command) { m_process.write(command + '\n'); }

    // The first report of this kind not taken yet, without the kind: waits `timeout` ms for it,
    // or until the app ended.
    std::optional<QByteArray> next(const QByteArray &kind, int timeout = TaskTimeout)
    {
        int &taken = m_taken[kind];
        const auto found = [&] {
            readReports();
            for (; taken < m_reports.size(); ++taken) {
                if (isOfKind(m_reports.at(taken), kind))
                    return true;
            }
            return false;
        };
        const auto ended = [this] { return m_process.state() == QProcess::NotRunning; };
        if (!QTest::qWaitFor([&] { return found() || ended(); }, timeout) || !found())
            return std::nullopt;
        return m_reports.at(taken++).mid(kind.size() + 1);
    }

    // Every report of this kind so far, without the kind.
    QByteArrayList all(const QByteArray &kind)
    {
        readReports();
        QByteArrayList reports;
        for (const QByteArray &report : std::as_const(m_reports)) {
            if (isOfKind(report, kind))
                reports << report.mid(kind.size() + 1);
        }
        return reports;
    }

    static QList<qint64> pidsOf(const QByteArray &report)
    {
        QList<qint64> pids;
        for (const QByteArray &pid : report.split(' '))
            pids << pid.toLongLong();
        return pids;
    }

    // The results of a "succeeded" report.
    static QList<QByteArray> resultsOf(const QByteArray &report)
    {
        QList<QByteArray> results;
        for (const QByteArray &hex : report.split(','))
            results << QByteArray::fromHex(hex);
        return results;
    }

    bool waitForExit(int timeout = SettleTimeout)
    {
        return QTest::qWaitFor([this] { return m_process.state() == QProcess::NotRunning; },
                               timeout);
    }

    QProcess &process() { return m_process; }

private:
    static bool isOfKind(const QByteArray &report, const QByteArray &kind)
    {
        return report == kind || report.startsWith(kind + ' ');
    }

    void readReports()
    {
        while (m_process.canReadLine())
            m_reports << m_process.readLine().chopped(1);
    }

    QProcess m_process;
    QByteArrayList m_reports;
    QHash<QByteArray, int> m_taken;
};

#endif // RELIABILITY_H
