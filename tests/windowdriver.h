// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef WINDOWDRIVER_H
#define WINDOWDRIVER_H

// Drives the real window the way a user does: finds its widgets by object name, clicks its
// buttons and reads its labels.

#include "mainwindow.h"
#include "testsupport.h"

#include <QLabel>
#include <QPushButton>
#include <QTest>

#include <memory>

namespace WindowDriver {
template<typename T>
T *widget(QWidget *window, const char *name)
{
    T *child = window->findChild<T *>(QLatin1String(name));
    if (!child)
        qFatal("no widget named %s", name);
    return child;
}

inline QString text(QWidget *window, const char *label)
{
    return widget<QLabel>(window, label)->text();
}

inline void click(QWidget *window, const char *button)
{
    QTest::mouseClick(widget<QPushButton>(window, button), Qt::LeftButton);
}

inline bool isIdle(QWidget *window)
{
    return widget<QPushButton>(window, "startButton")->isEnabled();
}

inline QList<qint64> workerPids(QWidget *window)
{
    QList<qint64> pids;
    const QStringList texts =
            text(window, "pidsLabel").split(QLatin1String(", "), Qt::SkipEmptyParts);
    for (const QString &pid : texts)
        pids << pid.toLongLong();
    return pids;
}

inline QStringList resultFiles(QWidget *window)
{
    return text(window, "fileLabel").split(QLatin1String(", "), Qt::SkipEmptyParts);
}

inline bool anyProcessExists(const QList<qint64> &pids)
{
    for (qint64 pid : pids) {
        if (processExists(pid))
            return true;
    }
    return false;
}

// A shown window whose workers are the real app binary, or `program`.
inline std::unique_ptr<MainWindow>
newWindow(const TaskInput &input, const QString &program = QStringLiteral(WORKER_PROGRAM))
{
    auto window = std::make_unique<MainWindow>(input);
    window->setWorkerProgram(program);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        qWarning("the window was not exposed");
    return window;
}
} // namespace WindowDriver

#endif // WINDOWDRIVER_H
