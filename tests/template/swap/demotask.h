// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef DEMOTASK_H
#define DEMOTASK_H

// tests/demotask.h for the task in worker.h.part: the rename-and-swap test puts it in place of the
// demo's, as a user who swaps the task would.

#include "worker.h"

#include <QByteArray>
#include <QDataStream>
#include <QStringList>

namespace DemoTask {
// An input that does about `work` units of work; quick() is withWork(1'000'000).
inline TaskInput withWork(qint64 work)
{
    TaskInput input;
    input.repeat = work;
    return input;
}

inline TaskInput tiny()
{
    return withWork(1000);
}
inline TaskInput quick()
{
    return withWork(1'000'000);
}
inline TaskInput slow()
{
    return withWork(40'000'000);
}
inline TaskInput endless()
{
    return withWork(Q_INT64_C(1) << 50);
}

inline bool isPlausible(const TaskResult &result, QString *why)
{
    *why = QStringLiteral("%1 rounds, checksums %2")
                   .arg(result.rounds)
                   .arg(result.checksums.join(QLatin1Char(',')));
    return result.rounds > 0 && !result.checksums.isEmpty();
}

inline QStringList badInputArguments()
{
    return {QStringLiteral("--repeat"), QStringLiteral("0")};
}

inline QString badInputReason()
{
    return QStringLiteral("--repeat takes a number above 0");
}
} // namespace DemoTask

#endif // DEMOTASK_H
