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
#include <QSpinBox>
#include <QStringList>

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

// Linux-only: every live process whose command line mentions `text` (the test's folder, which
// every worker has in its --result and --host-lock). Zombies do not count: see processExists().
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

#endif // RELIABILITY_H
