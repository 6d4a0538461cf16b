// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef WORKER_H
#define WORKER_H

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QLockFile>
#include <QSemaphore>
#include <QStringList>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

QT_BEGIN_NAMESPACE
class QCommandLineParser;
class QDataStream;
class QFileSystemWatcher;
QT_END_NAMESPACE

// ==== YOUR TASK: BEGIN ===========================================================================
// This section, its twin in worker.cpp and the parts of mainwindow.h/.cpp marked the same way are
// all you change to run your own work. Nothing outside them looks inside these types.
//
// The demo estimates e: the mean number of uniform(0,1) draws whose sum first exceeds 1 is e.

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

// The result travels from the worker to the window through QDataStream.
QDataStream &operator<<(QDataStream &out, const TaskResult &result);
QDataStream &operator>>(QDataStream &in, TaskResult &result);

namespace Task {
// The input travels to a worker on its command line, so that a worker can be replayed by hand.
void addOptions(QCommandLineParser &parser);
bool readOptions(const QCommandLineParser &parser, TaskInput *input, QString *error);
QStringList toArguments(const TaskInput &input);

// Parallel workers. A task that cannot be split sets Splittable to false: it then runs in one
// worker, the window hides its Workers box, and share() and combine() are never called.
constexpr bool Splittable = true;
TaskInput share(const TaskInput &input, int index, int count); // the part of worker `index`
TaskResult combine(const QList<TaskResult> &results); // the results of all parts, in order

// The work, on a thread of its own in a worker process. It may throw. progress() only stores two
// numbers: call it as often as you like.
using Progress = std::function<void(qint64 done, qint64 total)>;
TaskResult run(const TaskInput &input, const Progress &progress);

QString describe(const TaskResult &result); // one line, for a terminal and the log
} // namespace Task
// ==== YOUR TASK: END =============================================================================

// Between the task and the machinery: whatever a task function throws becomes `error`.
namespace TaskGlue {
bool workerArguments(const TaskInput &input, int workers, QList<QStringList> *arguments,
                     QString *error);
QByteArray run(const QCommandLineParser &parser, const Task::Progress &progress); // may throw
bool combine(const QList<QByteArray> &results, TaskResult *result, QString *error);
} // namespace TaskGlue

// The result file: a header, then the error or the result. The reader trusts nothing in it: a
// truncated, corrupt or foreign file becomes one clear error.
namespace ResultFile {
constexpr quint32 Magic = 0x4C545232; // "LTR2"
constexpr quint16 FormatVersion = 3;
constexpr int StreamVersion = 20; // QDataStream::Qt_6_0, pinned: old and new Qt agree

struct Contents
{
    QByteArray token; // the waiter's word for one worker: a file without it is not ours
    QString error; // empty when the task succeeded
    QByteArray result;
};
bool write(QIODevice *device, const Contents &contents);
bool read(QIODevice *device, const QByteArray &token, Contents *contents, QString *error);
} // namespace ResultFile

// The worker process (`--worker`). Its main thread holds the worker's lock, writes progress and
// watches the app's lock while the job runs on a thread of its own: so the process stops the
// moment the app is gone, even if the job never checks a flag.
class Worker : public QObject
{
    Q_OBJECT

public:
    using Job = std::function<QByteArray(const Task::Progress &progress)>;
    enum ExitCode { ExitOk, ExitUsage, ExitTaskFailed, ExitHostGone, ExitIoError };

    static void addOptions(QCommandLineParser &parser); // --worker, --result, --token
    Worker(const QCommandLineParser &parser, Job job);
    int exec();

private:
    bool openResultFile();
    void tick();
    void finish();
    [[noreturn]] void stopNow(const char *why, bool appDied = false);

    QString m_resultFile; // the app's file for the result; empty: print the result only
    QByteArray m_token; // the waiter's word for this worker, written with the result
    Job m_job;
    QString m_hostLock; // held by the app while it wants the result
    std::unique_ptr<QLockFile> m_lock;
    QFile m_result; // holds progress records until the result replaces them
    std::atomic<qint64> m_done {0};
    std::atomic<qint64> m_total {0};
    ResultFile::Contents m_contents; // written by the job's thread before it finishes
};

// The waiter: a thread that starts the workers as detached copies of this program, waits for them
// and reads their results. Its signals reach the window queued; start() and cancel() never block.
class Waiter : public QThread
{
    Q_OBJECT

public:
    explicit Waiter(QObject *parent = nullptr);
    ~Waiter() override;

    void setWorkerProgram(const QString &program); // the default is this program itself
    bool start(const QList<QStringList> &workerArguments); // one command line per worker
    void cancel();

signals:
    void workersStarted(const QList<qint64> &pids);
    void progressChanged(qint64 done, qint64 total);
    void succeeded(const QList<QByteArray> &results, double seconds);
    void failed(const QString &message);
    void cancelled();

protected:
    void run() override;

private:
    struct Process;

    void runIn(const QString &folder, QFileSystemWatcher *watcher);
    bool startWorker(const QString &folder, int index);
    bool loopUntil(QFileSystemWatcher *watcher, bool (Waiter::*done)(),
                   QDeadlineTimer deadline = QDeadlineTimer::Forever);
    bool checkWorkers();
    void checkWorker(Process *process);
    bool hasExited(Process *process);
    bool allExited();
    void killStuckWorkers();
    void finish();

    QString m_program;
    QList<QStringList> m_arguments; // set before each start(), read by run() only
    std::atomic<bool> m_busy {false}; // from start() to the end of run()
    QSemaphore m_handled; // released once the GUI thread has handled succeeded()
    // One task's state, touched by run() on the waiter thread only.
    std::vector<std::unique_ptr<Process>> m_processes;
    QString m_error;
    QElapsedTimer m_clock;
};

#endif // WORKER_H
