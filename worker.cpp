// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "worker.h"

#include <QCommandLineParser>
#include <QDataStream>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QLocale>
#include <QLoggingCategory>
#include <QMutexLocker>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSemaphore>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

#include <csignal>
#include <cstdlib>
#include <mutex>
#include <random>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;

// =================================================================================================
// YOUR TASK GOES HERE (see worker.h).
// =================================================================================================

void Task::addOptions(QCommandLineParser &parser)
{
    const TaskInput defaults;
    parser.addOption({QStringLiteral("trials"),
                      QCoreApplication::translate("Task", "Number of trials (default %1).")
                              .arg(defaults.trials),
                      QStringLiteral("n")});
    parser.addOption(
            {QStringLiteral("seed"),
             QCoreApplication::translate("Task", "Seed of the random numbers (default %1).")
                     .arg(defaults.seed),
             QStringLiteral("n")});
}

bool Task::readOptions(const QCommandLineParser &parser, TaskInput *input, QString *error)
{
    bool ok = true;
    if (parser.isSet(QStringLiteral("trials"))) {
        const QString value = parser.value(QStringLiteral("trials"));
        input->trials = value.toULongLong(&ok);
        if (!ok || input->trials == 0) {
            *error = QCoreApplication::translate("Task",
                                                 "--trials takes a whole number above 0, not '%1'")
                             .arg(value);
            return false;
        }
    }
    if (parser.isSet(QStringLiteral("seed"))) {
        const QString value = parser.value(QStringLiteral("seed"));
        input->seed = value.toUInt(&ok);
        if (!ok) {
            *error = QCoreApplication::translate(
                             "Task", "--seed takes a whole number from 0 to 4294967295, not '%1'")
                             .arg(value);
            return false;
        }
    }
    return true;
}

QStringList Task::toArguments(const TaskInput &input)
{
    return {QStringLiteral("--trials"), QString::number(input.trials), QStringLiteral("--seed"),
            QString::number(input.seed)};
}

TaskInput Task::share(const TaskInput &input, int index, int count)
{
    TaskInput part = input;
    part.trials = input.trials / count + (quint64(index) < input.trials % count ? 1 : 0);
    if (index > 0) {
        // Each further share draws from a stream of its own, derived from the seed and its index.
        std::seed_seq sequence {input.seed, quint32(index)};
        part.seed = QRandomGenerator(sequence).generate();
    }
    return part;
}

TaskResult Task::combine(const QList<TaskResult> &results)
{
    TaskResult total;
    double draws = 0;
    for (const TaskResult &result : results) {
        draws += result.estimate * double(result.trials);
        total.trials += result.trials;
    }
    total.estimate = total.trials ? draws / double(total.trials) : 0;
    return total;
}

TaskResult Task::run(const TaskInput &input, const Progress &progress)
{
    constexpr quint64 ReportEvery = 1 << 16; // about a millisecond of work
    QRandomGenerator random(input.seed);
    quint64 draws = 0;
    for (quint64 trial = 1; trial <= input.trials; ++trial) {
        double sum = 0;
        do {
            sum += random.generateDouble();
            ++draws;
        } while (sum <= 1.0);
        if (trial % ReportEvery == 0)
            progress(qint64(trial), qint64(input.trials));
    }
    progress(qint64(input.trials), qint64(input.trials));
    return {input.trials ? double(draws) / double(input.trials) : 0, input.trials};
}

QString Task::describe(const TaskResult &result)
{
    return QCoreApplication::translate("Task", "e ≈ %1 from %2 trials")
            .arg(result.estimate, 0, 'f', 6)
            .arg(QLocale().toString(result.trials));
}

QDataStream &operator<<(QDataStream &out, const TaskResult &result)
{
    return out << result.estimate << result.trials;
}

QDataStream &operator>>(QDataStream &in, TaskResult &result)
{
    return in >> result.estimate >> result.trials;
}

// =================================================================================================
// The machinery.
// =================================================================================================

namespace {
Q_LOGGING_CATEGORY(lcTask, APP_NAME ".task")
Q_LOGGING_CATEGORY(lcWorker, APP_NAME ".worker")

// The worker's main thread writes progress and checks the app's lock this often; the waiter reads
// progress and checks the workers' locks this often. 50 ms moves the bar 20 times a second and
// notices a dead process well within 250 ms, for a few microseconds of work per tick.
constexpr auto PollInterval = 50ms;
// A worker that has not taken its lock by then never will: it failed to load or died at once.
constexpr auto StartTimeout = 10s;
// How long the waiter waits for stopped workers to exit before it removes their files anyway.
constexpr auto StopTimeout = 2s;

QString tr(const char *text)
{
    return QCoreApplication::translate("TaskThread", text);
}

QString nativePath(const QString &path)
{
    return QDir::toNativeSeparators(path);
}

// The last lines a worker wrote to its log, for error messages.
QString logTail(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    constexpr qint64 MaxTail = 600;
    file.seek(qMax<qint64>(0, file.size() - MaxTail));
    const QString tail = QString::fromLocal8Bit(file.readAll()).trimmed();
    return tail.mid(tail.lastIndexOf(QLatin1Char('\n')) + 1); // the last line says most
}

QString capitalized(QString text)
{
    if (!text.isEmpty())
        text[0] = text.at(0).toUpper();
    return text;
}

bool createPrivateFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::NewOnly)
            && file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}
} // namespace

// ---- Result file --------------------------------------------------------------------------------

namespace {
enum class Status : quint8 { Ok = 1, Error = 2 };

void writeHeader(QDataStream &out, Status status, const WorkerReport &report, quint16 version)
{
    out << ResultFile::Magic << version << quint8(status) << report.pid << report.seconds;
}
} // namespace

bool ResultFile::write(QIODevice *device, const WorkerReport &report)
{
    QDataStream out(device);
    out.setVersion(StreamVersion);
    if (report.error.isEmpty()) {
        writeHeader(out, Status::Ok, report, FormatVersion);
        out << report.result << report.ballast;
    } else {
        writeHeader(out, Status::Error, report, FormatVersion);
        out << report.error;
    }
    return out.status() == QDataStream::Ok;
}

bool ResultFile::read(QIODevice *device, WorkerReport *report, QString *error)
{
    QDataStream in(device);
    in.setVersion(StreamVersion);
    quint32 magic = 0;
    quint16 version = 0;
    in >> magic;
    if (in.status() != QDataStream::Ok) {
        *error = tr("the file is empty or cut short");
        return false;
    }
    if (magic != Magic) {
        *error = tr("it is not a result file of this program (wrong magic number)");
        return false;
    }
    in >> version;
    if (in.status() == QDataStream::Ok && version != FormatVersion) {
        *error = tr("it has format version %1, and this program reads version %2")
                         .arg(version)
                         .arg(FormatVersion);
        return false;
    }
    quint8 status = 0;
    in >> status >> report->pid >> report->seconds;
    if (status == quint8(Status::Ok))
        in >> report->result >> report->ballast; // Qt reads a QByteArray in 1 MiB steps too
    else if (status == quint8(Status::Error))
        in >> report->error; // QDataStream reads strings in 1 MiB steps: a bad length costs no more
    else if (in.status() == QDataStream::Ok)
        in.setStatus(QDataStream::ReadCorruptData);

    switch (in.status()) {
    case QDataStream::Ok:
        if (!in.atEnd()) {
            *error = tr("it has unexpected bytes after the result");
            return false;
        }
        if (status == quint8(Status::Error) && report->error.isEmpty())
            report->error = tr("the task failed without saying why");
        return true;
    case QDataStream::ReadPastEnd:
        *error = tr("the file is cut short");
        return false;
    default:
        *error = tr("the file is corrupt");
        return false;
    }
}

// ---- Failure modes ------------------------------------------------------------------------------

namespace {
struct FailureEntry
{
    Failure failure;
    const char *name;
};
constexpr FailureEntry Failures[] = {
        {Failure::None, "none"},
        {Failure::Exception, "exception"},
        {Failure::Crash, "crash"},
        {Failure::Abort, "abort"},
        {Failure::Exit, "exit"},
        {Failure::Hang, "hang"},
        {Failure::Truncated, "truncated"},
        {Failure::Garbage, "garbage"},
        {Failure::OtherVersion, "version"},
        {Failure::HugeLength, "hugelength"},
};
} // namespace

QString failureName(Failure failure)
{
    for (const FailureEntry &entry : Failures) {
        if (entry.failure == failure)
            return QLatin1String(entry.name);
    }
    return {};
}

bool failureFromName(const QString &name, Failure *failure)
{
    for (const FailureEntry &entry : Failures) {
        if (name == QLatin1String(entry.name)) {
            *failure = entry.failure;
            return true;
        }
    }
    return false;
}

// ---- Worker files -------------------------------------------------------------------------------

namespace {
// A progress record is rewritten in place; the check word tells a torn read from a whole one.
constexpr qint64 ProgressKey = 0x5a5a3c3c12345678;
} // namespace

bool WorkerFiles::writeProgress(QFile *file, qint64 done, qint64 total)
{
    const qint64 record[3] = {done, total, done ^ total ^ ProgressKey};
    return file->seek(0)
            && file->write(reinterpret_cast<const char *>(record), sizeof record) == sizeof record
            && file->flush();
}

bool WorkerFiles::readProgress(QFile *file, qint64 *done, qint64 *total)
{
    qint64 record[3];
    if (!file->seek(0)
        || file->read(reinterpret_cast<char *>(record), sizeof record) != sizeof record)
        return false;
    if ((record[0] ^ record[1] ^ ProgressKey) != record[2])
        return false;
    *done = record[0];
    *total = record[1];
    return true;
}

bool WorkerFiles::holderGone(const QString &lockPath)
{
    if (!QFileInfo::exists(lockPath))
        return true;
    // A holder keeps a kernel lock on its lock file, and QLockFile removes the file only when it
    // can take that lock. So this succeeds exactly when the holder is gone, however it ended;
    // unlike a look at the pid in the file, a zombie or a reused pid cannot fool it.
    QLockFile lock(lockPath);
    return lock.removeStaleLockFile();
}

// ---- Worker: the process side -------------------------------------------------------------------

void Worker::addOptions(QCommandLineParser &parser)
{
    parser.addOption(
            {QStringLiteral("worker"), tr("Run the task in this process, without a window.")});
    parser.addOption({QStringLiteral("output"),
                      tr("With --worker: also write the result to <file>."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("host-lock"),
                      tr("With --worker: stop as soon as nobody holds <lock> (the window does)."),
                      QStringLiteral("lock")});
    parser.addOption(
            {QStringLiteral("fail"),
             tr("With --worker: fail on purpose: none, exception, crash, abort, exit or hang."),
             QStringLiteral("mode"), QStringLiteral("none")});
    QCommandLineOption pad(QStringLiteral("pad-result"),
                           tr("With --worker: add <MiB> of ballast to the result (benchmarks)."),
                           QStringLiteral("MiB"), QStringLiteral("0"));
    pad.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(pad);
}

bool Worker::readOptions(const QCommandLineParser &parser, Options *options, QString *error)
{
    if (!Task::readOptions(parser, &options->input, error))
        return false;
    options->output = parser.value(QStringLiteral("output"));
    options->hostLock = parser.value(QStringLiteral("host-lock"));
    if (!failureFromName(parser.value(QStringLiteral("fail")), &options->failure)) {
        *error = tr("--fail takes none, exception, crash, abort, exit or hang, not '%1'")
                         .arg(parser.value(QStringLiteral("fail")));
        return false;
    }
    bool ok = false;
    options->padMiB = parser.value(QStringLiteral("pad-result")).toInt(&ok);
    if (!ok || options->padMiB < 0 || options->padMiB > 4096) {
        *error = tr("--pad-result takes a number of MiB from 0 to 4096, not '%1'")
                         .arg(parser.value(QStringLiteral("pad-result")));
        return false;
    }
    if (!parser.isSet(QStringLiteral("worker"))) {
        for (const char *name : {"output", "host-lock", "fail", "pad-result"}) {
            if (parser.isSet(QLatin1String(name))) {
                *error = tr("--%1 only works with --worker").arg(QLatin1String(name));
                return false;
            }
        }
    }
    return true;
}

Worker::Worker(const Options &options, QObject *parent) : QObject(parent), m_options(options) { }

int Worker::exec()
{
    if (!m_options.output.isEmpty()) {
        m_lock = std::make_unique<QLockFile>(WorkerFiles::lock(m_options.output));
        m_lock->setStaleLockTime(0); // never give our lock away for its age: we may run for days
        if (!m_lock->tryLock(0)) {
            qCCritical(lcWorker,
                       "cannot take the lock %s: is another worker writing the same result?",
                       qUtf8Printable(nativePath(m_lock->fileName())));
            return ExitIoError;
        }
        QFile::setPermissions(m_lock->fileName(), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        m_progressFile.setFileName(WorkerFiles::progress(m_options.output));
        m_progressFile.open(QIODevice::WriteOnly); // progress is a nicety: go on without it
    }
    if (!m_options.hostLock.isEmpty()) {
        // A lock file whose holder is gone means the app died: holderGone() removes that lock,
        // after which nobody else would remove the task's folder.
        const bool appDied = QFileInfo::exists(m_options.hostLock);
        if (WorkerFiles::holderGone(m_options.hostLock)) {
            stopNow(ExitHostGone,
                    QStringLiteral("nobody holds %1: the app that started this worker is gone "
                                   "(drop --host-lock to run it alone)")
                            .arg(nativePath(m_options.hostLock)),
                    appDied ? RemoveFolder : OwnFiles);
        }
    }
    qCInfo(lcWorker, "pid %lld: %s", QCoreApplication::applicationPid(),
           qUtf8Printable(QCoreApplication::arguments().join(QLatin1Char(' '))));
    m_clock.start();
    QThread *thread = QThread::create([this] { runTask(); });
    thread->setParent(this);
    connect(thread, &QThread::finished, this, &Worker::finish);
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, this, &Worker::tick);
    ticker.start(PollInterval);
    thread->start();
    return QCoreApplication::exec();
}

void Worker::runTask()
{
    // Nothing may escape a thread: an exception becomes the error the window shows.
    try {
        m_result = Task::run(m_options.input,
                             [this](qint64 done, qint64 total) { reportProgress(done, total); });
    } catch (const std::exception &e) {
        m_error = QString::fromLocal8Bit(e.what());
    } catch (...) {
        m_error = tr("the task threw an exception that is not a std::exception");
    }
}

void Worker::reportProgress(qint64 done, qint64 total)
{
    m_done.storeRelaxed(done);
    m_total.storeRelaxed(total);
    if (m_failureFired || done * 2 < total)
        return;
    // The failure modes strike halfway, from inside the task's own call stack, as real bugs would.
    m_failureFired = true;
    switch (m_options.failure) {
    case Failure::Exception:
        throw std::runtime_error("simulated failure: the task threw an exception halfway");
    case Failure::Crash:
        qCCritical(lcWorker, "simulated failure: crashing with SIGSEGV halfway (--fail crash)");
        std::raise(SIGSEGV);
        break;
    case Failure::Abort:
        qCCritical(lcWorker, "simulated failure: calling abort() halfway (--fail abort)");
        std::abort();
    case Failure::Exit:
        qCCritical(lcWorker, "simulated failure: exiting with code %d and no result (--fail exit)",
                   ExitSimulated);
        std::_Exit(ExitSimulated);
    case Failure::Hang: {
        qCCritical(lcWorker,
                   "simulated failure: blocking forever halfway, checking no flag (--fail hang)");
        QSemaphore never;
        never.acquire();
        break;
    }
    default:
        break;
    }
}

void Worker::tick()
{
    if (m_progressFile.isOpen())
        WorkerFiles::writeProgress(&m_progressFile, m_done.loadRelaxed(), m_total.loadRelaxed());
    if (m_options.hostLock.isEmpty())
        return;
    if (!QFileInfo::exists(m_options.hostLock))
        stopNow(ExitHostGone, QStringLiteral("the app cancelled the task or quit"));
    if (WorkerFiles::holderGone(m_options.hostLock))
        stopNow(ExitHostGone, QStringLiteral("the app died; removing this task's files"),
                RemoveFolder);
}

void Worker::finish()
{
    WorkerReport report;
    report.pid = QCoreApplication::applicationPid();
    report.seconds = double(m_clock.nsecsElapsed()) / 1e9;
    report.error = m_error;
    report.result = m_result;
    report.ballast = QByteArray(qsizetype(m_options.padMiB) << 20, '\x5a');

    QTextStream out(stdout);
    if (report.error.isEmpty()) {
        out << Task::describe(report.result) << Qt::endl
            << tr("%1 s in pid %2").arg(report.seconds, 0, 'f', 3).arg(report.pid) << Qt::endl;
        qCInfo(lcWorker, "finished: %s", qUtf8Printable(Task::describe(report.result)));
    } else {
        qCCritical(lcWorker, "the task failed: %s", qUtf8Printable(report.error));
    }
    if (!m_options.output.isEmpty() && !writeResult(report)) {
        qCCritical(lcWorker, "cannot write the result to %s",
                   qUtf8Printable(nativePath(m_options.output)));
        QCoreApplication::exit(ExitIoError);
        return;
    }
    if (m_progressFile.isOpen())
        m_progressFile.remove();
    if (m_lock)
        m_lock->unlock(); // tells the waiter we are done: it was waiting for this file to go
    QCoreApplication::exit(report.error.isEmpty() ? ExitOk : ExitTaskFailed);
}

bool Worker::writeResult(const WorkerReport &report)
{
    // A plain write is safe: the waiter reads the file only once our lock is gone, which happens
    // after this returns. (QSaveFile would also fsync every byte, for a file that lives a moment.)
    QFile file(m_options.output);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    QDataStream out(&file);
    out.setVersion(ResultFile::StreamVersion);
    // The broken-file modes exist for the tests of the reader: each damages a real result.
    switch (m_options.failure) {
    case Failure::Garbage:
        out.writeRawData("This is not a result file.\n", 27);
        break;
    case Failure::OtherVersion:
        writeHeader(out, Status::Ok, report, ResultFile::FormatVersion + 1);
        out << report.result << report.ballast;
        break;
    case Failure::HugeLength:
        writeHeader(out, Status::Error, report, ResultFile::FormatVersion);
        out << quint32(0xfffffff0); // a string length of 4 GiB, and no string
        break;
    case Failure::Truncated:
        ResultFile::write(&file, report);
        return file.resize(file.size() / 2);
    default:
        return ResultFile::write(&file, report) && file.flush();
    }
    return out.status() == QDataStream::Ok && file.flush();
}

void Worker::stopNow(int exitCode, const QString &why, Cleanup cleanup)
{
    qCInfo(lcWorker, "stopping: %s", qUtf8Printable(why));
    if (!m_options.output.isEmpty()) {
        for (const QString &path : {m_options.output, WorkerFiles::progress(m_options.output),
                                    WorkerFiles::log(m_options.output)}) {
            QFile::remove(path);
        }
    }
    if (m_lock)
        m_lock->unlock(); // last, so the waiter knows our files are gone when it sees this
    // With the app dead, nobody else will remove the task's folder. rmdir() removes it only once it
    // is empty, that is, once the last of the app's workers has removed its files.
    if (cleanup == RemoveFolder)
        QDir().rmdir(QFileInfo(m_options.hostLock).absolutePath());
    // The task thread may be deep in work that checks no flag. _Exit ends the process now, where
    // returning from main() with that thread running would abort.
    std::_Exit(exitCode);
}

// ---- TaskThread: the app side -------------------------------------------------------------------

namespace {
QString folderPrefix()
{
    return QStringLiteral(APP_NAME "-");
}

// The names of the files a task folder holds: host.lock, and each worker's result file with its
// .lock, .progress and .log. Nothing else in such a folder was made by this app.
bool isTaskFileName(const QString &name)
{
    static const QRegularExpression pattern(QRegularExpression::anchoredPattern(
            QStringLiteral(R"(host\.lock|worker-[0-9]+\.result(\.lock|\.progress|\.log)?)")));
    return pattern.match(name).hasMatch();
}

// Task folders of apps that were killed. TMPDIR is shared and hostile, so only a folder that is
// provably this app's own and provably dead is touched: the exact name QTemporaryDir gave it
// (case-sensitive), a real directory, never a symlink, owned by this user (`ownerId`, the owner of
// the folder this task just made), with a host.lock that is a regular file nobody holds. Even then
// only files of this app's own names go, and the folder is removed only once it is empty.
void removeDeadTaskFolders(uint ownerId)
{
    static const QRegularExpression folderName(QRegularExpression::anchoredPattern(
            QRegularExpression::escape(folderPrefix()) + QStringLiteral("[A-Za-z0-9]{6}")));
    const QFileInfoList folders = QDir(QDir::tempPath())
                                          .entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot
                                                         | QDir::NoSymLinks | QDir::Hidden);
    for (const QFileInfo &folder : folders) {
        const QFileInfo host(folder.filePath() + QLatin1String("/host.lock"));
        if (!folderName.match(folder.fileName()).hasMatch() || folder.isSymLink() || !folder.isDir()
            || folder.ownerId() != ownerId || host.isSymLink() || !host.isFile()
            || host.ownerId() != ownerId || !WorkerFiles::holderGone(host.filePath()))
            continue;
        QDir dir(folder.filePath());
        const QFileInfoList files =
                dir.entryInfoList(QDir::Files | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
        for (const QFileInfo &file : files) {
            if (isTaskFileName(file.fileName()) && !file.isSymLink())
                dir.remove(file.fileName());
        }
        if (QDir().rmdir(folder.filePath()))
            qCInfo(lcTask, "removed %s, left by an app that was killed",
                   qUtf8Printable(nativePath(folder.filePath())));
    }
}
} // namespace

// One task, as the waiter thread runs it: its folder, its workers and its outcome. It lives on
// the waiter thread's stack, so no other thread ever touches its state.
class TaskThread::Run
{
    Q_DECLARE_TR_FUNCTIONS(TaskThread)

public:
    struct Request
    {
        QString program;
        TaskInput input;
        int workers = 1;
        Failure failure = Failure::None;
    };

    Run(TaskThread *thread, const Request &request) : m_thread(thread), m_request(request) { }
    void exec();

private:
    struct Process // one worker, as the waiter sees it
    {
        int index = 0;
        qint64 pid = 0;
        QString resultPath;
        QFile progress;
        qint64 done = 0;
        qint64 total = 0;
        bool lockSeen = false;
        bool exited = false;
        WorkerReport report;
    };

    bool launch(const QString &folder, const QString &hostLock);
    void watchWorkers(QFileSystemWatcher *watcher);
    bool checkWorkers();
    void updateProcess(Process *process);
    void readResult(Process *process);
    QString workerName(const Process &process) const;
    QString lastWords(const Process &process) const;
    void waitForWorkersToExit(QFileSystemWatcher *watcher);
    bool allExited();
    void finish();

    // Emits `signal` with `arguments`, from the thread the TaskThread lives in (see post()).
    template<typename... Parameters, typename... Arguments>
    void report(void (TaskThread::*signal)(Parameters...), const Arguments &...arguments)
    {
        m_thread->post(
                [thread = m_thread, signal, arguments...] { (thread->*signal)(arguments...); });
    }

    TaskThread *m_thread;
    const Request m_request;
    std::vector<std::unique_ptr<Process>> m_processes;
    QString m_error;
    qint64 m_lastDone = -1;
    QElapsedTimer m_clock;
};

void TaskThread::Run::exec()
{
    m_clock.start();
    // QDir::tempPath() is empty when TMPDIR names a folder that does not exist; the task's folder
    // would then be made in "/".
    if (QDir::tempPath().isEmpty()) {
        m_error = tr("Cannot create a folder for the task's files in %1: there is no such folder. "
                     "Point TMPDIR at a writable folder.")
                          .arg(nativePath(qEnvironmentVariable("TMPDIR")));
        return finish();
    }
    // A private folder (mode 0700) for this task's files: only this user can read them, and one
    // removal takes them all away.
    QTemporaryDir folder(QDir::tempPath() + QLatin1Char('/') + folderPrefix()
                         + QLatin1String("XXXXXX"));
    if (!folder.isValid()) {
        m_error = tr("Cannot create a folder for the task's files in %1: %2. Point TMPDIR at a "
                     "writable folder.")
                          .arg(nativePath(QDir::tempPath()), folder.errorString());
        return finish();
    }
    removeDeadTaskFolders(QFileInfo(folder.path()).ownerId());
    // The workers watch this lock: while this thread holds it they run, and the moment it is free
    // (cancel, quit, or the app killed) they stop by themselves.
    QLockFile host(folder.filePath(QStringLiteral("host.lock")));
    host.setStaleLockTime(0);
    if (!host.tryLock(0)) {
        m_error = tr("Cannot create a lock file in %1.").arg(nativePath(folder.path()));
        return finish();
    }

    QFileSystemWatcher watcher(
            {folder.path()}); // wakes us as soon as a worker's lock comes or goes
    if (!m_thread->cancelRequested() && launch(folder.path(), host.fileName()))
        watchWorkers(&watcher);

    host.unlock();
    waitForWorkersToExit(&watcher);
    for (const auto &process : m_processes)
        process->progress.close();
    // The last worker to stop on its own may have removed the folder already.
    if (!folder.remove() && QFileInfo::exists(folder.path()))
        qCWarning(lcTask, "could not remove all of %s", qUtf8Printable(nativePath(folder.path())));
    finish();
}

bool TaskThread::Run::launch(const QString &folder, const QString &hostLock)
{
    const int count = m_request.workers;
    QList<qint64> pids;
    QStringList resultFiles;
    for (int index = 0; index < count; ++index) {
        auto process = std::make_unique<Process>();
        process->index = index;
        process->resultPath = QStringLiteral("%1/worker-%2.result").arg(folder).arg(index + 1);
        const QString log = WorkerFiles::log(process->resultPath);
        if (!createPrivateFile(process->resultPath) || !createPrivateFile(log)
            || !createPrivateFile(WorkerFiles::progress(process->resultPath))) {
            m_error = tr("Cannot create the worker's files in %1.").arg(nativePath(folder));
            return false;
        }
        QStringList arguments = {QStringLiteral("--worker")};
        arguments << Task::toArguments(Task::share(m_request.input, index, count))
                  << QStringLiteral("--output") << process->resultPath
                  << QStringLiteral("--host-lock") << hostLock;
        // One worker fails on purpose when asked to, so that the others show how a failure ends
        // them.
        if (index == 0 && m_request.failure != Failure::None)
            arguments << QStringLiteral("--fail") << failureName(m_request.failure);

        QProcess starter;
        starter.setProgram(m_request.program);
        starter.setArguments(arguments);
        starter.setStandardOutputFile(log, QIODevice::Append);
        starter.setStandardErrorFile(log, QIODevice::Append);
        if (!starter.startDetached(&process->pid)) {
            m_error = tr("Cannot start the worker %1: %2.")
                              .arg(nativePath(m_request.program), starter.errorString());
            return false;
        }
        qCInfo(lcTask, "started worker %d of %d, pid %lld: %s %s", index + 1, count, process->pid,
               qUtf8Printable(nativePath(m_request.program)),
               qUtf8Printable(arguments.join(QLatin1Char(' '))));
        pids << process->pid;
        resultFiles << process->resultPath;
        m_processes.push_back(std::move(process));
    }
    report(&TaskThread::workersStarted, pids, resultFiles);
    return true;
}

void TaskThread::Run::watchWorkers(QFileSystemWatcher *watcher)
{
    QEventLoop loop;
    const auto update = [this, &loop] {
        if (checkWorkers())
            loop.quit();
    };
    QTimer ticker;
    QObject::connect(&ticker, &QTimer::timeout, &loop, update);
    QObject::connect(watcher, &QFileSystemWatcher::directoryChanged, &loop, update);
    ticker.start(PollInterval);
    if (!m_thread->setCancellableLoop(&loop))
        return;
    if (!checkWorkers())
        loop.exec();
    m_thread->setCancellableLoop(nullptr);
}

// Returns true once the task is decided: every worker delivered, or one failed.
bool TaskThread::Run::checkWorkers()
{
    bool allDone = true;
    qint64 done = 0;
    qint64 total = 0;
    for (const auto &process : m_processes) {
        if (!process->exited)
            updateProcess(process.get());
        if (!m_error.isEmpty())
            return true;
        allDone = allDone && process->exited;
        done += process->done;
        total += process->total;
    }
    if (done != m_lastDone && total > 0) {
        m_lastDone = done;
        report(&TaskThread::progressChanged, done, total);
    }
    return allDone;
}

void TaskThread::Run::updateProcess(Process *process)
{
    if (!process->progress.isOpen()) {
        process->progress.setFileName(WorkerFiles::progress(process->resultPath));
        process->progress.open(QIODevice::ReadOnly);
    }
    WorkerFiles::readProgress(&process->progress, &process->done, &process->total);

    const QString lock = WorkerFiles::lock(process->resultPath);
    if (!process->lockSeen) {
        // A lock that names its holder is held: QLockFile writes the pid after it takes the kernel
        // lock.
        qint64 pid = 0;
        process->lockSeen = QLockFile(lock).getLockInfo(&pid, nullptr, nullptr);
    }
    if (process->lockSeen) {
        process->exited = WorkerFiles::holderGone(lock);
    } else if (QFileInfo(process->resultPath).size() > 0 && !QFileInfo::exists(lock)) {
        process->exited = true; // done before we ever looked
    } else if (m_clock.hasExpired(std::chrono::milliseconds(StartTimeout).count())) {
        m_error =
                tr("%1 did not start within %2 s. %3")
                        .arg(capitalized(workerName(*process)))
                        .arg(std::chrono::duration_cast<std::chrono::seconds>(StartTimeout).count())
                        .arg(lastWords(*process));
        return;
    }
    if (process->exited)
        readResult(process);
}

void TaskThread::Run::readResult(Process *process)
{
    QFile file(process->resultPath);
    QString why;
    if (!file.open(QIODevice::ReadOnly) || file.size() == 0) {
        m_error = tr("%1 stopped without writing a result: it crashed, aborted, exited early or "
                     "was killed. %2")
                          .arg(capitalized(workerName(*process)), lastWords(*process));
    } else if (!ResultFile::read(&file, &process->report, &why)) {
        m_error = tr("The result of %1 is unreadable: %2 (%3).")
                          .arg(workerName(*process), why, nativePath(process->resultPath));
    } else if (!process->report.error.isEmpty()) {
        m_error = tr("The task failed in %1: %2").arg(workerName(*process), process->report.error);
    } else {
        process->done = process->total; // done, whatever its last report said
        qCInfo(lcTask, "worker pid %lld finished in %.3f s: %s", process->pid,
               process->report.seconds, qUtf8Printable(Task::describe(process->report.result)));
    }
}

QString TaskThread::Run::workerName(const Process &process) const
{
    if (m_processes.size() == 1)
        return tr("the worker (pid %1)").arg(process.pid);
    return tr("worker %1 of %2 (pid %3)")
            .arg(process.index + 1)
            .arg(m_processes.size())
            .arg(process.pid);
}

QString TaskThread::Run::lastWords(const Process &process) const
{
    const QString tail = logTail(WorkerFiles::log(process.resultPath));
    return tail.isEmpty() ? tr("It wrote nothing to its log.")
                          : tr("Its log ends with: %1").arg(tail);
}

void TaskThread::Run::waitForWorkersToExit(QFileSystemWatcher *watcher)
{
    QEventLoop loop;
    const auto update = [this, &loop] {
        if (allExited())
            loop.quit();
    };
    QTimer ticker;
    QObject::connect(&ticker, &QTimer::timeout, &loop, update);
    QObject::connect(watcher, &QFileSystemWatcher::directoryChanged, &loop, update);
    QTimer::singleShot(StopTimeout, &loop, &QEventLoop::quit);
    ticker.start(PollInterval / 5);
    if (!allExited())
        loop.exec();
}

// A worker has exited once its lock is free, or once it removed its own files on seeing the app's
// lock go (a worker stopped during start-up may do so before we ever saw its lock).
bool TaskThread::Run::allExited()
{
    for (const auto &process : m_processes) {
        if (process->exited)
            continue;
        const QString lock = WorkerFiles::lock(process->resultPath);
        if (!process->lockSeen) {
            qint64 pid = 0;
            process->lockSeen = QLockFile(lock).getLockInfo(&pid, nullptr, nullptr);
        }
        process->exited = process->lockSeen
                ? WorkerFiles::holderGone(lock)
                : !QFileInfo::exists(WorkerFiles::log(process->resultPath));
        if (!process->exited)
            return false;
    }
    return true;
}

void TaskThread::Run::finish()
{
    {
        QMutexLocker locker(&m_thread->m_mutex);
        m_thread->m_reported = true; // before the report: start() may come the moment it arrives
    }
    if (m_thread->cancelRequested()) {
        qCInfo(lcTask, "cancelled");
        report(&TaskThread::cancelled);
    } else if (!m_error.isEmpty()) {
        qCWarning(lcTask, "failed: %s", qUtf8Printable(m_error));
        report(&TaskThread::failed, m_error);
    } else {
        QList<TaskResult> results;
        double seconds = 0;
        for (const auto &process : m_processes) {
            results << process->report.result;
            seconds = qMax(seconds, process->report.seconds);
        }
        const TaskResult result = Task::combine(results);
        qCInfo(lcTask, "finished in %.3f s: %s", seconds, qUtf8Printable(Task::describe(result)));
        report(&TaskThread::progressChanged, qint64(1), qint64(1)); // a full bar, in any units
        report(&TaskThread::succeeded, result, seconds);
    }
}

// The waiter's reports reach the receivers from the thread this object lives in (the GUI thread),
// one queued hop after the waiter made them, as a queued signal would. The queue is guarded by a
// std::mutex so that the order of the waiter's writes before the receiver's reads is one that
// ThreadSanitizer can see: Qt's own event queue gives the same order, but through a Qt that TSan
// cannot look inside unless Qt itself was built for it.
void TaskThread::post(std::function<void()> report)
{
    {
        std::lock_guard<std::mutex> lock(m_reportsMutex);
        m_reports.push_back(std::move(report));
    }
    QMetaObject::invokeMethod(this, &TaskThread::deliverReports, Qt::QueuedConnection);
}

void TaskThread::deliverReports()
{
    std::vector<std::function<void()>> reports;
    {
        std::lock_guard<std::mutex> lock(m_reportsMutex);
        reports.swap(m_reports);
    }
    for (const auto &report : reports)
        report();
}

TaskThread::TaskThread(QObject *parent)
    : QThread(parent), m_program(QCoreApplication::applicationFilePath())
{ }

TaskThread::~TaskThread()
{
    cancel();
    wait();
    // Reports the waiter made after the last delivery go unsent. The lock also makes the order
    // that wait() gives visible to ThreadSanitizer (see post()).
    std::lock_guard<std::mutex> lock(m_reportsMutex);
    m_reports.clear();
}

void TaskThread::setWorkerProgram(const QString &program)
{
    QMutexLocker locker(&m_mutex);
    m_program = program;
}

void TaskThread::start(const TaskInput &input, int workers, Failure failure)
{
    {
        QMutexLocker locker(&m_mutex);
        if (isRunning() && !m_reported)
            return; // one task at a time
    }
    // The task before has reported its end and its thread is only unwinding. The window enables
    // Start on that report, so a click can come first: wait for the unwinding (moments), or
    // QThread::start() would ignore this start.
    wait();
    QMutexLocker locker(&m_mutex);
    m_reported = false;
    m_input = input;
    m_workerCount = qMax(1, workers);
    m_failure = failure;
    m_cancel = false;
    QThread::start();
}

void TaskThread::cancel()
{
    QMutexLocker locker(&m_mutex);
    m_cancel = true;
    if (m_loop) // wake the waiter now; in the other phases it looks at m_cancel itself
        QMetaObject::invokeMethod(m_loop, &QEventLoop::quit, Qt::QueuedConnection);
}

void TaskThread::run()
{
    QMutexLocker locker(&m_mutex);
    Run task(this, {m_program, m_input, m_workerCount, m_failure});
    locker.unlock();
    task.exec();
}

bool TaskThread::cancelRequested()
{
    QMutexLocker locker(&m_mutex);
    return m_cancel;
}

// The loop that cancel() stops; false if the task was cancelled already.
bool TaskThread::setCancellableLoop(QEventLoop *loop)
{
    QMutexLocker locker(&m_mutex);
    m_loop = m_cancel ? nullptr : loop;
    return loop == nullptr || m_loop != nullptr;
}
