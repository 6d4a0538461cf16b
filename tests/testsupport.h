// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef TESTSUPPORT_H
#define TESTSUPPORT_H

// What the tests share: driving the real window as a user does (its widgets found by object name,
// real clicks), picking the job of the test worker program (tests/testworker), and looking at
// what a task leaves behind. Nothing here knows what the task computes: results compare by their
// QDataStream bytes.

#include "mainwindow.h"
#include "worker.h"

#include <QDataStream>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

#include <memory>

// Generous: the tests also run under ASan and TSan, on a machine shared with other builds.
constexpr int TaskTimeout = 60000;
constexpr int SettleTimeout = 30000;

// ---- The window, driven as a user drives it
// ------------------------------------------------------

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

inline QString status(QWidget *window)
{
    return text(window, "statusLabel");
}

inline void click(QWidget *window, const char *button)
{
    QTest::mouseClick(widget<QPushButton>(window, button), Qt::LeftButton);
}

inline bool isIdle(QWidget *window)
{
    return widget<QPushButton>(window, "startButton")->isEnabled();
}

inline Waiter *waiterOf(QWidget *window)
{
    return widget<Waiter>(window, "waiter");
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

// The test worker's job: raw bytes both ways (worker i gets input i), nothing of the task. Its
// result, as the window gets it, is the list of the workers' results.
class BytesJob : public Job
{
public:
    explicit BytesJob(const QList<QByteArray> &inputs) : m_inputs(inputs), m_results(inputs.size())
    {}
    int workerCount() const override { return int(m_inputs.size()); }
    QByteArray input(int index) override { return m_inputs.at(index); }
    void readResult(int index, const QByteArray &result) override { m_results[index] = result; }
    QVariant result() override { return QVariant::fromValue(m_results); }

private:
    QList<QByteArray> m_inputs;
    QList<QByteArray> m_results;
};

inline std::unique_ptr<Job> bytesJob(const QList<QByteArray> &inputs)
{
    return std::make_unique<BytesJob>(inputs);
}

// The workers that `window` asks for: its Workers box's value, which tests set even when the task
// cannot be split (the box is then hidden, and the window's own job asks for one worker).
inline int workersAsked(QWidget *window)
{
    return widget<QSpinBox>(window, "workersBox")->value();
}

// Makes `window` start the test worker (or `program`, which runs the test worker's machinery) with
// `input` (empty unless told) for each worker that it asks for.
inline void useTestWorker(QWidget *window, const QString &program = QStringLiteral(TEST_WORKER),
                          const QByteArray &input = {})
{
    waiterOf(window)->setWorkerProgram(program, [window, input](int) {
        return bytesJob(QList<QByteArray>(workersAsked(window), input));
    });
}

// A shown window whose workers are the test worker, or `program`: a copy of it, or the app itself
// (APP_PROGRAM), which runs its own task.
inline std::unique_ptr<MainWindow> newWindow(const QString &program = QStringLiteral(TEST_WORKER))
{
    auto window = std::make_unique<MainWindow>();
#ifdef APP_PROGRAM
    if (program == QStringLiteral(APP_PROGRAM))
        waiterOf(window.get())->setWorkerProgram(program);
    else
#endif
        useTestWorker(window.get(), program);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        qWarning("the window was not exposed");
    return window;
}

// What the waiter reported, in order, as the window hears it: its signals come from the waiter
// thread and reach this object queued, in the GUI thread. (A QSignalSpy would record them in the
// waiter thread, racing with the test that reads it.)
class WaiterLog : public QObject
{
public:
    explicit WaiterLog(Waiter *waiter)
    {
        connect(waiter, &Waiter::workersStarted, this,
                [this](const QList<qint64> &pids) { started << pids; });
        connect(waiter, &Waiter::succeeded, this,
                [this](const QVariant &result) { succeeded << result.value<QList<QByteArray>>(); });
        connect(waiter, &Waiter::progressChanged, this,
                [this](qint64, qint64, const QString &text) { progressTexts << text; });
        connect(waiter, &Waiter::failed, this,
                [this](const QString &message) { failed << message; });
        connect(waiter, &Waiter::cancelled, this, [this] { ++cancelled; });
    }

    void clear()
    {
        started.clear();
        succeeded.clear();
        failed.clear();
        progressTexts.clear();
        cancelled = 0;
    }

    QList<QList<qint64>> started;
    QList<QList<QByteArray>> succeeded;
    QStringList failed;
    QStringList progressTexts;
    int cancelled = 0;
};

// ---- The test worker's job
// ------------------------------------------------------------------------

// Sets an environment variable for as long as it lives; workers inherit it when they start.
class ScopedEnv
{
public:
    ScopedEnv(const char *name, const QByteArray &value) : m_name(name), m_old(qgetenv(name))
    {
        m_had = qEnvironmentVariableIsSet(name);
        qputenv(name, value);
    }
    ~ScopedEnv()
    {
        if (m_had)
            qputenv(m_name, m_old);
        else
            qunsetenv(m_name);
    }
    ScopedEnv(const ScopedEnv &) = delete;
    ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
    const char *m_name;
    QByteArray m_old;
    bool m_had = false;
};

// The bytes that the test worker's "ok" job returns: a default TaskResult, through QDataStream.
inline QByteArray defaultResultBytes()
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setVersion(DataFile::StreamVersion);
    out << TaskResult();
    return bytes;
}

// ---- What a task leaves behind (Linux: /proc) --------------------------------------------------

// A worker process counts as gone when /proc has no live entry for it; a zombie, waiting for its
// parent to reap it, is gone too. (Qt has no way to ask about a pid it did not start.)
inline bool processExists(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    const int end = line.lastIndexOf(')');
    return end > 0 && line.size() > end + 2 && line.at(end + 2) != 'Z';
}

inline bool anyProcessExists(const QList<qint64> &pids)
{
    for (qint64 pid : pids) {
        if (processExists(pid))
            return true;
    }
    return false;
}

// Everything in `folder`: the tests give the app a TMPDIR of its own, which must be empty again
// after every task.
inline QStringList filesIn(const QString &folder)
{
    return QDir(folder).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden
                                  | QDir::System);
}

#endif // TESTSUPPORT_H
