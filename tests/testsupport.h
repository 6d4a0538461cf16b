// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef TESTSUPPORT_H
#define TESTSUPPORT_H

// What the tests share: the real window driven as a user drives it (widgets found by object name,
// real clicks), the test worker program and its job (testjob.h), a temp folder of each test
// program's own, and a look at processes. Nothing here knows what the task computes.

#include "mainwindow.h"
#include "testjob.h"

#include <QApplication>
#include <QDir>
#include <QLabel>
#include <QProcess>
#include <QProcessEnvironment>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#ifdef Q_OS_WIN
#include <qt_windows.h>
#else
#include <QFile>

#include <signal.h>
#endif

// QTEST_MAIN, with main.cpp's way out (leaveProcess(): a MinGW build of Qt hangs at its exit).
#define TESTSUPPORT_MAIN(TestObject)                                                               \
    int main(int argc, char *argv[])                                                               \
    {                                                                                              \
        QApplication app(argc, argv);                                                              \
        app.setAttribute(Qt::AA_Use96Dpi, true);                                                   \
        auto test = std::make_unique<TestObject>();                                                \
        const int exitCode = QTest::qExec(test.get(), argc, argv);                                 \
        test.reset();                                                                              \
        return leaveProcess(exitCode);                                                             \
    }

// Generous: the tests also run under sanitizers and Wine, on a machine busy with other builds.
constexpr int TaskTimeout = 60000;

template<typename T>
T *widget(QWidget *window, const char *name)
{
    T *child = window->findChild<T *>(QLatin1String(name));
    if (!child)
        qFatal("no widget named %s", name);
    return child;
}

inline QString status(QWidget *window)
{
    return widget<QLabel>(window, "statusLabel")->text();
}

inline void click(QWidget *window, const char *button)
{
    QTest::mouseClick(widget<QPushButton>(window, button), Qt::LeftButton);
}

inline bool isIdle(QWidget *window)
{
    return widget<QPushButton>(window, "startButton")->isEnabled();
}

// A window whose workers are the test worker with a TestJob of `input`, shown and exposed.
inline std::unique_ptr<MainWindow> newWindow(const QByteArray &input = "test input",
                                             int workers = 1,
                                             const QString &program = QStringLiteral(TEST_WORKER))
{
    auto window = std::make_unique<MainWindow>();
    window->waiter()->setWorkerProgram(program,
                                       [input] { return std::make_unique<TestJob>(input); });
    widget<QSpinBox>(window.get(), "workersBox")->setValue(workers);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        qFatal("the window was not exposed");
    return window;
}

// The test worker's mode and settings for one test: set in this process, inherited by workers.
class WorkerMode
{
public:
    explicit WorkerMode(const QByteArray &mode,
                        const QList<QPair<const char *, QByteArray>> &more = {})
    {
        set("TESTWORKER_MODE", mode);
        for (const auto &[name, value] : more)
            set(name, value);
    }
    ~WorkerMode()
    {
        for (const QByteArray &name : std::as_const(m_names))
            qunsetenv(name.constData());
    }

private:
    void set(const char *name, const QByteArray &value)
    {
        qputenv(name, value);
        m_names << name;
    }
    QList<QByteArray> m_names;
};

// Each test program's own temp folder, which QDir::tempPath() and every worker then use: a test
// sees all that a task leaves, and nothing of other programs'.
class TempFolder
{
public:
    QString path() const { return m_folder.path(); }
    TempFolder()
    {
        if (!m_folder.isValid())
            qFatal("cannot make a temp folder");
#ifdef Q_OS_WIN
        qputenv("TMP", QDir::toNativeSeparators(m_folder.path()).toLocal8Bit());
        qputenv("TEMP", QDir::toNativeSeparators(m_folder.path()).toLocal8Bit());
#else
        qputenv("TMPDIR", m_folder.path().toLocal8Bit());
#endif
    }
    QStringList entries() const // what is in it, as "name" or "folder/name"
    {
        QStringList names;
        const QFileInfoList infos = QDir(path()).entryInfoList(
                QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
        for (const QFileInfo &info : infos) {
            names << info.fileName();
            if (info.isDir() && !info.isSymLink())
                for (const QString &name :
                     QDir(info.filePath())
                             .entryList(QDir::AllEntries | QDir::Hidden | QDir::System
                                        | QDir::NoDotAndDotDot))
                    names << info.fileName() + u'/' + name;
        }
        return names;
    }

private:
    QTemporaryDir m_folder {QDir::tempPath() + QStringLiteral("/" APP_NAME "-tests-XXXXXX")};
};

// Qt has no call that asks about, stops or kills a process by its pid.
inline bool processExists(qint64 pid)
{
#ifdef Q_OS_WIN
    const HANDLE process = OpenProcess(SYNCHRONIZE, FALSE, DWORD(pid));
    const bool runs = process && WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
    if (process)
        CloseHandle(process);
    return runs;
#else
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid)); // a zombie has ended too
    if (stat.open(QIODevice::ReadOnly)) {
        const QByteArray line = stat.readAll();
        return line.mid(line.lastIndexOf(')') + 2, 1) != "Z";
    }
    return ::kill(pid_t(pid), 0) == 0;
#endif
}

inline bool anyProcessExists(const QList<qint64> &pids)
{
    return std::any_of(pids.begin(), pids.end(), processExists);
}

inline void killProcess(qint64 pid)
{
#ifdef Q_OS_WIN
    if (const HANDLE process = OpenProcess(PROCESS_TERMINATE, FALSE, DWORD(pid))) {
        TerminateProcess(process, 9);
        CloseHandle(process);
    }
#else
    ::kill(pid_t(pid), SIGKILL);
#endif
}

#ifdef APP_PROGRAM
// The app as a user runs it in a terminal ("--worker ..."), in the test's temp folder.
struct AppRun
{
    int exitCode = -1; // -1: it crashed or never ended
    QStringList out, err; // its lines
};

inline AppRun runApp(const QStringList &arguments)
{
    QProcess process;
    process.setWorkingDirectory(QDir::tempPath());
    process.start(QStringLiteral(APP_PROGRAM), arguments);
    AppRun run;
    if (process.waitForFinished(TaskTimeout) && process.exitStatus() == QProcess::NormalExit)
        run.exitCode = process.exitCode();
    const QRegularExpression newLines(QStringLiteral("[\r\n]+"));
    run.out =
            QString::fromUtf8(process.readAllStandardOutput()).split(newLines, Qt::SkipEmptyParts);
    run.err = QString::fromUtf8(process.readAllStandardError()).split(newLines, Qt::SkipEmptyParts);
    return run;
}
#endif

// A waiter's signals as the GUI thread gets them, queued, as the window gets them. (A QSignalSpy
// takes a signal on the thread that emits it, the waiter's, and a test that reads it races.)
template<typename... Args>
class QueuedSpy : public QObject, public QList<QVariantList>
{
public:
    template<typename Signal>
    QueuedSpy(Waiter *waiter, Signal signal)
    {
        connect(waiter, signal, this,
                [this](const Args &...args) { append({QVariant::fromValue(args)...}); });
    }
};

// The pids of a task's workers, as the waiter tells them.
inline QList<qint64> pidsOf(const QList<QVariantList> &workersStarted)
{
    return workersStarted.isEmpty()
            ? QList<qint64>()
            : workersStarted.constLast().constFirst().value<QList<qint64>>();
}

#endif // TESTSUPPORT_H
