// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef WORKER_H
#define WORKER_H

#include <QAtomicInteger>
#include <QCoreApplication>
#include <QDataStream>
#include <QElapsedTimer>
#include <QFile>
#include <QList>
#include <QLockFile>
#include <QMutex>
#include <QStringList>
#include <QThread>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

QT_BEGIN_NAMESPACE
class QCommandLineParser;
class QEventLoop;
class QIODevice;
QT_END_NAMESPACE

// =================================================================================================
// YOUR TASK GOES HERE. This section, and the one marked the same way in worker.cpp, is the one
// place to change when you swap in your own work: the input, the result, and the function that
// turns one into the other. The window, the waiter thread and the worker process only pass these
// types around; they never look inside them.
//
// The demo estimates e by simulation: the mean number of uniform(0,1) draws needed for their sum
// to exceed 1 is e. It does a fixed amount of work, is deterministic for a given seed, and reports
// progress, so that results are checkable and speed is measurable.
// =================================================================================================

struct TaskInput
{
    quint64 trials = 100'000'000; // about 4 s on one core, in a release build
    quint32 seed = 1;
};

struct TaskResult
{
    double estimate = 0;
    quint64 trials = 0;
};

namespace Task {
// The input travels to a worker on its command line, so that the exact invocation the window
// uses can be replayed by hand in a terminal or a debugger.
void addOptions(QCommandLineParser &parser);
bool readOptions(const QCommandLineParser &parser, TaskInput *input, QString *error);
QStringList toArguments(const TaskInput &input);

// Parallel workers: the share of the work that worker `index` of `count` does, and how the
// results of all shares combine. Must be deterministic for a given input and count.
TaskInput share(const TaskInput &input, int index, int count);
TaskResult combine(const QList<TaskResult> &results);

// The work. It runs on a thread of its own in the worker process. Call progress(done, total) now
// and then (it is cheap: it only stores two numbers); an exception thrown here reaches the window
// as an error message.
using Progress = std::function<void(qint64 done, qint64 total)>;
TaskResult run(const TaskInput &input, const Progress &progress);

// One line for the window and the terminal.
QString describe(const TaskResult &result);
} // namespace Task

QDataStream &operator<<(QDataStream &out, const TaskResult &result);
QDataStream &operator>>(QDataStream &in, TaskResult &result);

// =================================================================================================
// The machinery. Nothing below needs to change when you swap the task.
// =================================================================================================

// What a worker hands back: its task's result, or why there is none.
struct WorkerReport
{
    qint64 pid = 0;
    double seconds = 0;
    QString error; // empty when the task succeeded
    TaskResult result;
    QByteArray ballast; // empty, but for benchmarks that measure moving a big result (--pad-result)
};

// The result file: a small header, then the report, all through QDataStream. The reader checks
// every field and the stream's status, so a truncated, corrupt or foreign file becomes one clear
// error instead of garbage or a crash.
namespace ResultFile {
constexpr quint32 Magic = 0x4C545231; // "LTR1"
constexpr quint16 FormatVersion = 1;
constexpr QDataStream::Version StreamVersion = QDataStream::Qt_6_0; // pinned: old and new Qt agree

bool write(QIODevice *device, const WorkerReport &report);
bool read(QIODevice *device, WorkerReport *report, QString *error);
} // namespace ResultFile

// Ways to make a worker fail on purpose, for demos and tests. The first six are in the window's
// selector; the rest write a broken result file and exist for the tests of the reader.
enum class Failure {
    None,
    Exception,
    Crash,
    Abort,
    Exit,
    Hang,
    Truncated,
    Garbage,
    OtherVersion,
    HugeLength
};
QString failureName(Failure failure);
bool failureFromName(const QString &name, Failure *failure);

// How the worker's exit code reads. A crash or abort shows as a signal instead.
enum WorkerExitCode {
    ExitOk = 0,
    ExitUsage = 1, // bad command line
    ExitTaskFailed = 2, // the task threw; the result file holds the message
    ExitHostGone = 3, // the app that started it is gone, or cancelled it
    ExitSimulated = 4, // --fail exit
    ExitIoError = 5 // could not take its lock or write its result
};

// The files of one worker all share its result file's name: NAME, NAME.lock (held by the worker
// for its whole life), NAME.progress, NAME.log (its stdout and stderr).
namespace WorkerFiles {
inline QString lock(const QString &result)
{
    return result + QLatin1String(".lock");
}
inline QString progress(const QString &result)
{
    return result + QLatin1String(".progress");
}
inline QString log(const QString &result)
{
    return result + QLatin1String(".log");
}
bool writeProgress(QFile *file, qint64 done, qint64 total);
bool readProgress(QFile *file, qint64 *done, qint64 *total);
bool holderGone(const QString &lockPath);
} // namespace WorkerFiles

// The worker process: `longtaskrunnin --worker ...`. Its main thread holds the worker's lock,
// watches the app's lock and writes progress, while the task runs on a thread of its own. That way
// the process can stop at once, even when the task never checks a flag.
class Worker : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        TaskInput input;
        QString output; // result file; empty: print the result only
        QString hostLock; // stop as soon as this lock is free (the app quit, cancelled or died)
        Failure failure = Failure::None;
        int padMiB = 0; // --pad-result, for benchmarks
    };

    static void addOptions(QCommandLineParser &parser);
    static bool readOptions(const QCommandLineParser &parser, Options *options, QString *error);

    explicit Worker(const Options &options, QObject *parent = nullptr);
    int exec();

private:
    void runTask();
    void reportProgress(qint64 done, qint64 total);
    void tick();
    void finish();
    bool writeResult(const WorkerReport &report);
    enum Cleanup { OwnFiles, RemoveFolder };
    [[noreturn]] void stopNow(int exitCode, const QString &why, Cleanup cleanup = OwnFiles);

    Options m_options;
    std::unique_ptr<QLockFile> m_lock;
    QFile m_progressFile;
    QElapsedTimer m_clock;
    QAtomicInteger<qint64> m_done = 0;
    QAtomicInteger<qint64> m_total = 0;
    bool m_failureFired = false; // only touched by the task thread
    TaskResult m_result; // written by the task thread before it finishes
    QString m_error;
};

// The waiter: a thread that starts the workers as detached copies of this program, watches them
// until they are done, reads their results and hands them to the window: its signals are emitted
// in the thread this object lives in (the GUI thread), one queued hop after the waiter made them.
// The GUI thread only calls start() and cancel(), and neither waits for a task.
class TaskThread : public QThread
{
    Q_OBJECT

public:
    explicit TaskThread(QObject *parent = nullptr);
    ~TaskThread() override;

    // Tests point this at another binary; the default is this program itself.
    void setWorkerProgram(const QString &program);
    void start(const TaskInput &input, int workers, Failure failure);
    void cancel();

signals:
    void workersStarted(const QList<qint64> &pids, const QStringList &resultFiles);
    void progressChanged(qint64 done, qint64 total);
    void succeeded(const TaskResult &result, double seconds);
    void failed(const QString &message);
    void cancelled();

protected:
    void run() override;

private:
    class Run; // one task, on the waiter thread's stack

    bool cancelRequested();
    bool setCancellableLoop(QEventLoop *loop);
    void post(std::function<void()> report);
    void deliverReports();

    QMutex m_mutex; // guards every member: the GUI thread writes them, the waiter thread reads them
    QString m_program;
    TaskInput m_input;
    int m_workerCount = 1;
    Failure m_failure = Failure::None;
    bool m_cancel = false;
    bool m_reported = false; // the task has reported its end; its thread is about to exit
    QEventLoop *m_loop = nullptr; // the waiter's loop while it watches the workers

    std::mutex m_reportsMutex; // guards m_reports: the waiter's signals, waiting to be emitted
    std::vector<std::function<void()>> m_reports;
};

#endif // WORKER_H
