// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef WORKER_H
#define WORKER_H

#include <QDataStream>
#include <QElapsedTimer>
#include <QLockFile>
#include <QMutex>
#include <QSemaphore>
#include <QThread>
#include <QVariant>

#include <functional>
#include <memory>
#include <tuple>
#include <vector>

QT_BEGIN_NAMESPACE
class QCommandLineParser;
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

// Input and result travel between processes in files, through their QDataStream operators.
struct TaskInput
{
    quint64 trials = 100'000'000; // about 4 s on one core, in a release build
    quint32 seed = 1;
    friend QDataStream &operator<<(QDataStream &out, const TaskInput &input)
    {
        return out << input.trials << input.seed;
    }
    friend QDataStream &operator>>(QDataStream &in, TaskInput &input)
    {
        return in >> input.trials >> input.seed;
    }
};

struct TaskResult
{
    double estimate = 0;
    quint64 trials = 0;
    friend QDataStream &operator<<(QDataStream &out, const TaskResult &result)
    {
        return out << result.estimate << result.trials;
    }
    friend QDataStream &operator>>(QDataStream &in, TaskResult &result)
    {
        return in >> result.estimate >> result.trials;
    }
};

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

// main() returns through it once a window has run. A MinGW build of Qt hangs at exit (it runs Qt's
// per-thread destructors after Qt is unloaded: msys2/MINGW-packages#6126), so there it ends now.
int leaveProcess(int exitCode);

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
// A worker's work: its input from `in`, or from the task's options if `in` is empty.
QString work(const QCommandLineParser &options, QDataStream &in, QDataStream &out,
             const Progress &progress); // may throw
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
class Worker
{
public:
    // Reads its input from `in`, writes its result to `out`, returns a line for the terminal.
    using Work = std::function<QString(QDataStream &in, QDataStream &out, const Progress &)>;
    enum ExitCode { ExitOk, ExitUsage, ExitFailed, ExitCancelled };

    // `inputFile` is the app's file "<folder>/<n>.input", or "" in a terminal.
    Worker(const QString &inputFile, Work work);
    int exec();

private:
    void work(QIODevice *input, QIODevice *result);
    void tick();
    void finish(QIODevice *result);

    QString m_files; // the app's folder and this worker's number: "<folder>/2"
    Work m_work;
    QLockFile m_lock; // held while this worker lives
    QMutex m_mutex; // guards the progress the work stores
    std::tuple<qint64, qint64, QString> m_progress; // done, total, text
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
    ~Waiter() override
    {
        cancel();
        wait();
    } // the workers end first

    void start(std::unique_ptr<Job> job, int workers);
    void cancel();
    void resultShown(); // the window calls it once it has shown a result
    // Workers run this program, or another (a test's) with its own jobs in place of start()'s.
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
        std::tuple<qint64, qint64, QString> progress; // done, total, text
    };

    QString runIn(const QString &folder, QVariant *result);
    QString startWorkers(const QString &folder);
    QString startWorker(int part);
    QString watch();
    bool update(Process *process);
    QString collect(int part);
    void stopWorkers();
    bool removeFolder(QTemporaryDir *folder);
    void emitResult(const QVariant &result, double seconds);
    void removeAbandonedFolders(const QLockFile &host);

    QString m_program;
    JobMaker m_makeJob;
    QSemaphore m_wakeUp; // released by cancel() and resultShown()
    // One task's state: set by start(), then run()'s alone.
    std::unique_ptr<Job> m_job;
    int m_workers = 1;
    QByteArray m_token;
    std::vector<Process> m_processes;
    std::tuple<qint64, qint64, QString> m_progress; // as last sent
};

#endif // WORKER_H
