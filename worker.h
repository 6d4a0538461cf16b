// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef WORKER_H
#define WORKER_H

#include <QElapsedTimer>
#include <QMutex>
#include <QThread>
#include <QVariant>
#include <QWaitCondition>

#include <functional>
#include <memory>
#include <tuple>
#include <vector>

QT_BEGIN_NAMESPACE
class QCommandLineParser;
class QDataStream;
class QLockFile;
class QTemporaryDir;
QT_END_NAMESPACE

// What a task calls to tell how far it is, as often as it likes: it only stores the values.
// `text` ("pass 2 of 3: sorting") may be empty.
using Progress = std::function<void(qint64 done, qint64 total, const QString &text)>;

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

// Input and result travel between processes in files, through these operators.
QDataStream &operator<<(QDataStream &out, const TaskInput &input);
QDataStream &operator>>(QDataStream &in, TaskInput &input);
QDataStream &operator<<(QDataStream &out, const TaskResult &result);
QDataStream &operator>>(QDataStream &in, TaskResult &result);

namespace Task {
// For a terminal: `--worker` runs the input that these options give.
void addOptions(QCommandLineParser &parser);
bool readOptions(const QCommandLineParser &parser, TaskInput *input, QString *error);

// The input in at most `count` parts, one per worker (a task that cannot be split returns
// {input}), and the parts' results in one, in the same order. Called once a task, off the GUI
// thread, even for one worker.
QList<TaskInput> split(const TaskInput &input, int count);
TaskResult combine(const QList<TaskResult> &results);

// The work, on a thread of a worker process. It may throw: the message ends the task.
TaskResult run(const TaskInput &input, const Progress &progress);
QString describe(const TaskResult &result); // one line, for a terminal and the log
} // namespace Task
// ==== YOUR TASK: END =============================================================================

// What the waiter asks of a task, on its own thread, blind to the task's types. What a function
// throws ends the task with its message.
class Job
{
public:
    virtual ~Job() = default;
    virtual int split(int count) = 0; // into at most `count` parts: returns how many
    virtual void writeInput(int part, QDataStream &out) = 0; // then forgets the part
    virtual void readResult(int part, QDataStream &in) = 0;
    virtual QVariant result() = 0; // the parts' results, combined
};

namespace TaskGlue { // between the task's types and the machinery
std::unique_ptr<Job> newJob(const TaskInput &input);
QByteArray inputFromOptions(const QCommandLineParser &parser, QString *error);
QString work(QDataStream &in, QDataStream &out, const Progress &progress); // may throw
} // namespace TaskGlue

// The start of every file between the app and a worker: a file that lacks it, or carries another
// task's token, is refused before any of its data is read.
namespace DataFile {
void writeHeader(QDataStream &out, const QByteArray &token);
QString readHeader(QDataStream &in, QByteArray *token); // why it is refused, or empty
// A worker's result file: the header, then the task's error or its result, which `decode` reads.
QString readResult(QIODevice *file, const QByteArray &token,
                   const std::function<void(QDataStream &)> &decode);
} // namespace DataFile

// The worker process (`--worker`). The work runs on a thread of its own while the main thread
// writes progress and watches the app: the process ends the moment the app cancels or is gone,
// even if the work never checks a flag.
class Worker : public QObject
{
    Q_OBJECT

public:
    // Reads its input from `in`, writes its result to `out`, returns a line for the terminal.
    using Work = std::function<QString(QDataStream &in, QDataStream &out, const Progress &)>;
    enum ExitCode { ExitOk, ExitUsage, ExitFailed, ExitCancelled };

    // `inputFile` is the app's file "<folder>/<n>.input", or "" for `terminalInput`.
    Worker(const QString &inputFile, const QByteArray &terminalInput, Work work);
    ~Worker() override;
    int exec();

private:
    void work(QIODevice *input, QIODevice *result);
    void tick();
    void finish(QIODevice *result);

    QString m_files; // the app's folder and this worker's number: "<folder>/2"
    QByteArray m_terminalInput;
    Work m_work;
    std::unique_ptr<QLockFile> m_lock; // held while this worker lives
    QMutex m_mutex; // guards the progress the work stores
    qint64 m_done = 0;
    qint64 m_total = 0;
    QString m_text;
    qint64 m_shownDone = -1; // as last written or printed
    QElapsedTimer m_printed;
    // Set by the work's thread before it ends:
    qint64 m_statePosition = 0; // where the result file says whether the result is there
    QString m_summary;
    QString m_error;
};

// The waiter: a thread that starts the workers as detached copies of this program, watches them
// and reads their results. Its signals reach the window queued; start() and cancel() never block.
class Waiter : public QThread
{
    Q_OBJECT

public:
    using JobMaker = std::function<std::unique_ptr<Job>()>;

    explicit Waiter(QObject *parent = nullptr);
    ~Waiter() override; // cancels, and waits for the workers' end

    void start(std::unique_ptr<Job> job, int workers);
    void cancel();
    void resultShown(); // the window calls it once it has shown a result
    // Workers run this program unless told otherwise; another program (a test's) comes with its
    // own jobs, which replace the ones start() is given.
    void setWorkerProgram(const QString &program, const JobMaker &makeJob = {});

signals:
    void workersStarted(const QList<qint64> &pids);
    void progressChanged(qint64 done, qint64 total, const QString &text);
    void succeeded(const QVariant &result, double seconds);
    void failed(const QString &message);
    void cancelled();

protected:
    void run() override;

private:
    enum State { Starting, Running, Ended };
    struct Process
    {
        QString files; // "<folder>/<number>", the stem of its files
        qint64 pid = 0;
        State state = Starting;
        QElapsedTimer clock; // since its start
        qint64 done = 0, total = 0;
        QString text;
    };

    QString runIn(const QString &folder, QVariant *result);
    QString startWorkers(const QString &folder);
    QString startWorker(int part);
    QString watch();
    bool update(Process *process);
    QString collect(int part);
    void reportProgress();
    void stopWorkers();
    bool removeFolder(QTemporaryDir *folder);
    void emitResult(const QVariant &result, double seconds);
    void sleep(int ms);
    void wake();
    void removeAbandonedFolders(const QLockFile &host);

    QString m_program;
    JobMaker m_makeJob;
    QMutex m_mutex; // guards the two flags that wake run() early
    QWaitCondition m_wake;
    bool m_woken = false; // by cancel()
    bool m_shown = false; // by resultShown()
    // One task's state: set by start(), then run()'s alone.
    std::unique_ptr<Job> m_job;
    int m_workers = 1;
    QByteArray m_token;
    std::vector<Process> m_processes;
    std::tuple<qint64, qint64, QString> m_lastProgress; // as last sent
};

#endif // WORKER_H
