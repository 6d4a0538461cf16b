// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef DEMOTASK_H
#define DEMOTASK_H

// All that the tests know about the demo task. When you swap in your own task, rewrite this file
// to match it; no other test needs to change.

#include "worker.h"

#include <QStringList>

#include <cmath>

namespace DemoTask {
// An input that does about `work` units of work (for the demo: trials).
inline TaskInput withWork(qint64 work)
{
    TaskInput input;
    input.trials = quint64(work);
    return input;
}

inline TaskInput tiny()
{
    return withWork(1000);
} // microseconds
inline TaskInput quick()
{
    return withWork(2'000'000);
} // a fraction of a second
inline TaskInput slow()
{
    return withWork(40'000'000);
} // a few seconds
inline TaskInput endless()
{
    return withWork(100'000'000'000);
} // hours: always stopped

// Whether a result of quick() or larger is right: the demo estimates e.
inline bool isPlausible(const TaskResult &result, QString *why)
{
    *why = QStringLiteral("estimate %1 from %2 trials")
                   .arg(result.estimate, 0, 'f', 6)
                   .arg(result.trials);
    return std::abs(result.estimate - M_E) < 0.01;
}
// Options that the task's readOptions() rejects, and the one-line reason it gives.
inline QStringList badInputArguments()
{
    return {QStringLiteral("--trials"), QStringLiteral("many")};
}

inline QString badInputReason()
{
    return QStringLiteral("--trials takes a whole number above 0, not 'many'");
}
} // namespace DemoTask

#endif // DEMOTASK_H
