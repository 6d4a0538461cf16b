// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef TESTSUPPORT_H
#define TESTSUPPORT_H

#include "worker.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStringList>

// Tests only. A worker process counts as gone when /proc has no live entry for it; a zombie,
// waiting for its parent to reap it, is gone too. (Linux: Qt has no way to ask about a pid it did
// not start, and the app itself never needs to: it watches the worker's lock instead.)
inline bool processExists(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    const int end = line.lastIndexOf(')');
    return end > 0 && line.size() > end + 2 && line.at(end + 2) != 'Z';
}

// Everything under `folder`, relative to it: the tests give the app a TMPDIR of its own, which
// must be empty again after every task.
inline QStringList filesIn(const QString &folder)
{
    QStringList names;
    const QDir dir(folder);
    for (const QString &name :
         dir.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System))
        names << name;
    return names;
}

// Runs the real worker binary by hand, as a user would in a terminal.
inline int runWorker(const QStringList &arguments, QByteArray *output = nullptr,
                     QByteArray *errors = nullptr)
{
    QProcess process;
    process.start(QStringLiteral(WORKER_PROGRAM),
                  QStringList {QStringLiteral("--worker")} + arguments);
    process.waitForFinished(60000);
    if (output)
        *output = process.readAllStandardOutput();
    if (errors)
        *errors = process.readAllStandardError();
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

#endif // TESTSUPPORT_H
