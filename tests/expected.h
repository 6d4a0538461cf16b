// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef EXPECTED_H
#define EXPECTED_H

// What a task's result should be, whatever the task: computed here in the test process, and
// compared by its serialized bytes.

#include "worker.h"

#include <QByteArray>
#include <QDataStream>
#include <QList>

// Results compare by their serialized bytes, which needs no knowledge of the task's fields.
inline QByteArray serialized(const TaskResult &result)
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setVersion(ResultFile::StreamVersion);
    out << result;
    return bytes;
}

// The result the task gives for `input`, computed here in the test process.
inline TaskResult expectedResult(const TaskInput &input, int workers = 1)
{
    QList<TaskResult> results;
    for (int index = 0; index < workers; ++index)
        results << Task::run(Task::share(input, index, workers), [](qint64, qint64) {});
    return Task::combine(results);
}

#endif // EXPECTED_H
