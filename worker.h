// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef WORKER_H
#define WORKER_H

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QMutex>
#include <QSemaphore>
#include <QThread>
#include <QVariant>

#include <atomic>
#include <functional>
#include <memory>
#include <tuple>
#include <vector>

QT_BEGIN_NAMESPACE
class QCommandLineParser;
class QDataStream;
class QDir;
class QFileSystemWatcher;
QT_END_NAMESPACE

// ==== YOUR TASK: BEGIN ===========================================================================
// This section, its twin in worker.cpp and createTaskWidgets() in mainwindow.cpp, marked the same
// way, are all you change to run your own work. Nothing outside them looks inside these types.
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

// Input and result travel through QDataStream in files (any type, any size), read in the waiter
// thread, never in the GUI thread.
QDataStream &operator<<(QDataStream &out, const TaskInput &input);
QDataStream &operator>>(QDataStream &in, TaskInput &input);
QDataStream &operator<<(QDataStream &out, const TaskResult &result);
QDataStream &operator>>(QDataStream &in, TaskResult &result);

namespace Task {
// A convenience for a terminal: `--worker` without `--input` runs the input these options give.
void addOptions(QCommandLineParser &parser);
bool readOptions(const QCommandLineParser &parser, TaskInput *input, QString *error);

// A task that cannot be split sets Splittable to false: it then runs in one worker, the window
// hides its Workers box, and share() and combine() are never called (they must still compile).
constexpr bool Splittable = true;
TaskInput share(const TaskInput &input, int index, int count); // the part of worker `index`
TaskResult combine(const QList<TaskResult> &results); // the results of all parts, in order

// The work, on a thread of a worker process; it may throw. progress() only stores its values:
// call it as often as you like; `text` ("pass 2 of 3: sorting") may be empty.
using Progress = std::function<void(qint64 done, qint64 total, const QString &text)>;
TaskResult run(const TaskInput &input, const Progress &progress);

QString describe(const TaskResult &result); // one line, for a terminal and the log
} // namespace Task
// ==== YOUR TASK: END =============================================================================

// What the waiter asks of a task, on its thread, blind to the task's types. What a function
// throws becomes the status message.
class Job
{
public:
    virtual ~Job() = default;
    virtual int workerCount() const = 0;
    virtual QByteArray input(int index) = 0; // worker `index`'s part of the input, serialized
    virtual void readResult(int index, const QByteArray &result) = 0; // decoded and kept
    virtual QVariant result() = 0; // the kept results, combined
};

namespace TaskGlue { // between the task and the machinery
std::unique_ptr<Job> newJob(const TaskInput &input, int workers); // the window's job
// A worker's work: its input from `input` (serialized), or from the options if that is empty.
QByteArray run(const QCommandLineParser &parser, const QByteArray &input,
               const Task::Progress &progress, QString *summary); // may throw
} // namespace TaskGlue

// The files between the app and a worker, input and result alike: a header, then an error or the
// data. The reader trusts nothing in it: a truncated, corrupt or foreign file is one clear error.
namespace DataFile {
constexpr quint32 Magic = 0x4C545232; // "LTR2"
constexpr quint16 FormatVersion = 4;
constexpr int StreamVersion = 20; // QDataStream::Qt_6_0, pinned: old and new Qt agree

struct Contents
{
    QByteArray token; // the waiter's word for one worker: a file without it is not ours
    QString error; // empty when the task succeeded
    QByteArray data;
};
bool write(QIODevice *device, const Contents &contents);
bool read(QIODevice *device, const QByteArray &token, Contents *contents, QString *error);
} // namespace DataFile

// The worker process (`--worker`). Its main thread holds its lock, writes progress and watches
// the app's lock while the job runs on a thread of its own: the process stops the moment the app
// is gone, even if the job never checks a flag.
class Worker : public QObject
{
    Q_OBJECT

public:
    // The work: its result from its input, and a line that sums the result up for a terminal.
    using Job = std::function<QByteArray(const QByteArray &input, const Task::Progress &progress,
                                         QString *summary)>;
    enum ExitCode { ExitOk, ExitUsage, ExitTaskFailed, ExitHostGone, ExitIoError };

    static void addOptions(QCommandLineParser &parser); // --worker, --input, --result, --token
    Worker(const QCommandLineParser &parser, Job job);
    int exec();

private:
    void work();
    bool readInput(QByteArray *input);
    bool openResultFile();
    void tick();
    void printProgress(bool last = false);
    void finish();
    [[noreturn]] void stopNow(const char *why, bool appDied = false);

    QString m_inputFile; // the app's file for the input; empty: the task's options give it
    QString m_resultFile; // the app's file for the result; empty: print the result only
    QByteArray m_token; // the waiter's word for this worker, in its input and its result
    Job m_job;
    QString m_hostLock; // held by the app while it wants the result
    QByteArray m_hostWords; // what its lock file said of the app: its pid and its name
    std::unique_ptr<QLockFile> m_lock; // held while the result is not written
    QFile m_result; // holds progress records until the result replaces them
    QMutex m_progressMutex; // guards the job's progress: m_done, m_total and m_text
    qint64 m_done = 0;
    qint64 m_total = 0;
    QString m_text;
    QElapsedTimer m_printed; // when progress was last printed on stderr
    // Written by the job's thread before it ends:
    ExitCode m_exitCode = ExitTaskFailed;
    DataFile::Contents m_contents;
    QString m_summary;
};

// The waiter: a thread that starts the workers as detached copies of this program, waits for them
// and reads their results. Its signals reach the window queued; start() and cancel() never block.
class Waiter : public QThread
{
    Q_OBJECT

public:
    using JobMaker = std::function<std::unique_ptr<Job>(int workers)>;

    explicit Waiter(QObject *parent = nullptr);
    ~Waiter() override;

    bool start(std::unique_ptr<Job> job);
    void cancel();
    // Workers run this program unless told otherwise; another program comes with its own way of
    // making jobs, which then replace the ones start() is given.
    void setWorkerProgram(const QString &program, const JobMaker &makeJob = {});
    // Where a failed worker's input is copied.
    void setKeepInputFolder(const QString &folder) { m_keepFolder = folder; }

signals:
    void workersStarted(const QList<qint64> &pids);
    void progressChanged(qint64 done, qint64 total, const QString &text);
    void succeeded(const QVariant &result, double seconds);
    void failed(const QString &message);
    void cancelled();

protected:
    void run() override;

private:
    struct Process;

    QString runIn(const QString &folder, QFileSystemWatcher *watcher);
    void removeDeadTaskFolders(uint owner, QFileSystemWatcher *watcher);
    bool removeDeadTaskFolder(const QDir &folder, uint owner, QFileSystemWatcher *watcher);
    bool endHeldWorkers(const QFileInfoList &files, QFileSystemWatcher *watcher);
    QString startWorker(const QString &folder, int index);
    QString writeInput(Process &process, int index);
    bool loopUntil(QFileSystemWatcher *watcher, const std::function<bool()> &done,
                   QDeadlineTimer deadline = QDeadlineTimer::Forever);
    void update(Process *process);
    bool checkWorkers(QString *error);
    QString collect(Process *process, int index);
    void reportProgress();
    void stopWorkers(QFileSystemWatcher *watcher);
    void keepInput(const Process &process);
    void finish(QString error);

    QString m_program;
    JobMaker m_makeJob;
    QString m_keepFolder;
    std::atomic<bool> m_busy {false}; // from start() to the end of run()
    QSemaphore m_handled; // released once the GUI thread has handled succeeded()
    // One task's state, touched by run() on the waiter thread only (m_job is set by start()).
    std::unique_ptr<Job> m_job;
    std::vector<std::unique_ptr<Process>> m_processes;
    QElapsedTimer m_clock;
    std::tuple<qint64, qint64, QString> m_lastProgress; // as last sent: done, total, text
};

#endif // WORKER_H
