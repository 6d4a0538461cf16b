// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef RELIABILITY_H
#define RELIABILITY_H

// What the fault matrix (tst_faults) and the soak (tst_soak) share: handles on the real window's
// widgets, and counts of what a task may leave behind, read from /proc. The /proc reads are
// Linux-only test code; the app itself never needs them (it watches its workers' locks instead).

#include "demotask.h"
#include "expected.h"
#include "mainwindow.h"
#include "testsupport.h"
#include "windowdriver.h"

#include <QAtomicInt>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QMutex>
#include <QMutexLocker>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QtTest>

namespace Reliability {
using namespace WindowDriver;

// Generous: the tests also run under ASan and TSan, on a machine shared with other builds.
constexpr int TaskTimeout = 60000;
constexpr int SettleTimeout = 30000;

// Selects a failure mode in the window's selector. The window lists only the first six; the
// broken-file modes are added here, as items of the same shape (text, int(Failure)): a test-only
// hook that leaves the product untouched.
inline void selectFailure(QWidget *window, Failure failure)
{
    auto box = widget<QComboBox>(window, "failureBox");
    int index = box->findData(int(failure));
    if (index < 0) {
        box->addItem(QStringLiteral("Test: %1").arg(failureName(failure)), int(failure));
        index = box->count() - 1;
    }
    box->setCurrentIndex(index);
}

// The spin box allows idealThreadCount() workers (2 on the CI machines); tests raise it.
inline void setWorkers(QWidget *window, int count)
{
    auto box = widget<QSpinBox>(window, "workersBox");
    box->setMaximum(qMax(box->maximum(), count));
    box->setValue(count);
}

inline QString readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

// Linux-only: every process whose command line mentions `text` (the tests' TMPDIR, which every
// worker gets in its --output and --host-lock). Zombies do not count: see processExists().
inline QList<qint64> processesMentioning(const QString &text)
{
    const QByteArray needle = QFile::encodeName(text);
    QList<qint64> pids;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool isPid = false;
        const qint64 pid = entry.toLongLong(&isPid);
        if (!isPid || pid == QCoreApplication::applicationPid())
            continue;
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (cmdline.open(QIODevice::ReadOnly) && cmdline.readAll().contains(needle)
            && processExists(pid))
            pids << pid;
    }
    return pids;
}

// Linux-only: a field of /proc/self/status in KiB, such as VmRSS or VmPeak.
inline qint64 statusKiB(const char *field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray key = QByteArray(field) + ':';
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(key))
            return line.mid(key.size()).trimmed().split(' ').constFirst().toLongLong();
    }
    return -1;
}

// Linux-only: the names of this process's threads. QThread names each after its class (the
// waiter is "TaskThread"); Qt's global thread pool keeps its idle threads ("Thread (pooled)")
// for 30 s.
inline QStringList threadNames()
{
    QStringList names;
    const QString tasks = QStringLiteral("/proc/self/task");
    for (const QString &tid : QDir(tasks).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks + QLatin1Char('/') + tid + QLatin1String("/comm"));
        if (comm.open(QIODevice::ReadOnly))
            names << QString::fromUtf8(comm.readAll().trimmed());
    }
    return names;
}

inline int waiterThreads()
{
    return int(threadNames().count(QStringLiteral("TaskThread")));
}

// Counts the waiter's "started worker" log lines, whichever thread writes them, and passes every
// message on to QtTest's own handler.
class StartedWorkers
{
public:
    StartedWorkers() { s_previous = qInstallMessageHandler(&StartedWorkers::handle); }
    ~StartedWorkers() { qInstallMessageHandler(s_previous); }
    StartedWorkers(const StartedWorkers &) = delete;
    StartedWorkers &operator=(const StartedWorkers &) = delete;

    static int count() { return s_count.loadAcquire(); }
    static QString last()
    {
        QMutexLocker locker(&s_mutex);
        return s_last;
    }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        if (context.category && qstrcmp(context.category, APP_NAME ".task") == 0
            && message.startsWith(QLatin1String("started worker "))) {
            QMutexLocker locker(&s_mutex);
            s_last = message;
            s_count.fetchAndAddOrdered(1);
        }
        if (s_previous)
            s_previous(type, context, message);
    }

    static inline QtMessageHandler s_previous = nullptr;
    static inline QAtomicInt s_count = 0;
    static inline QMutex s_mutex;
    static inline QString s_last;
};
} // namespace Reliability

#endif // RELIABILITY_H
