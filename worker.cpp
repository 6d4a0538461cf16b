// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "worker.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDataStream>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QLocale>
#include <QLoggingCategory>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTextStream>
#include <QTimer>

#include <cstdlib>
#include <random>
#include <stdexcept>

using namespace std::chrono_literals;

// ==== YOUR TASK: BEGIN ===========================================================================

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
    if (parser.isSet(QStringLiteral("trials")))
        input->trials = parser.value(QStringLiteral("trials")).toULongLong(&ok);
    if (!ok || input->trials == 0) {
        *error = QCoreApplication::translate("Task",
                                             "--trials takes a whole number above 0, not '%1'")
                         .arg(parser.value(QStringLiteral("trials")));
        return false;
    }
    if (parser.isSet(QStringLiteral("seed")))
        input->seed = parser.value(QStringLiteral("seed")).toUInt(&ok);
    if (!ok) {
        *error = QCoreApplication::translate("Task",
                                             "--seed takes a whole number up to %1, not '%2'")
                         .arg(UINT_MAX)
                         .arg(parser.value(QStringLiteral("seed")));
    }
    return ok;
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
    std::seed_seq sequence {input.seed, quint32(index)}; // a random stream of its own per part
    part.seed = QRandomGenerator(sequence).generate();
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
    QRandomGenerator random(input.seed);
    quint64 draws = 0;
    for (quint64 trial = 1; trial <= input.trials; ++trial) {
        double sum = 0;
        do {
            sum += random.generateDouble();
            ++draws;
        } while (sum <= 1.0);
        if (trial % (1 << 16) == 0) // about a millisecond of work
            progress(qint64(trial), qint64(input.trials));
    }
    return {double(draws) / double(input.trials), input.trials};
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
// ==== YOUR TASK: END =============================================================================

namespace {
Q_LOGGING_CATEGORY(lcWaiter, APP_NAME ".waiter")
Q_LOGGING_CATEGORY(lcWorker, APP_NAME ".worker")

// The worker writes its progress and checks the app's lock this often, and the waiter reads
// progress and checks the workers' locks this often: 20 moves of the bar a second, and a dead
// process noticed within 50 ms, for microseconds of work a tick.
constexpr auto PollInterval = 50ms;
// A worker that has not taken its lock by then never will: it failed to load or died at once.
constexpr auto StartTimeout = 10s;
// How long the waiter gives stopped workers to exit.
constexpr auto StopTimeout = 2s;

QString tr(const char *text)
{
    return QCoreApplication::translate("Waiter", text);
}

QString nativePath(const QString &path)
{
    return QDir::toNativeSeparators(path);
}

// Runs `function`; whatever it throws becomes `error`. Nothing may escape a thread.
template<typename Function>
bool guarded(Function function, QString *error)
{
    try {
        function();
        return true;
    } catch (const std::exception &e) {
        *error = QString::fromLocal8Bit(e.what());
    } catch (...) {
        *error = tr("it threw something that is not a std::exception");
    }
    return false;
}

// A command line as a POSIX shell reads it back: paste it into a terminal to replay a worker.
QString shellQuoted(const QStringList &arguments)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_@%+=:,./-]+$"));
    QStringList quoted;
    for (QString argument : arguments) {
        if (!plain.match(argument).hasMatch())
            argument = QLatin1Char('\'')
                    + argument.replace(QLatin1String("'"), QLatin1String("'\\''"))
                    + QLatin1Char('\'');
        quoted << argument;
    }
    return quoted.join(QLatin1Char(' '));
}

// A worker's files share its result file's name: NAME, NAME.lock (held by the worker for its whole
// life), NAME.progress and NAME.log (its stdout and stderr).
QString lockOf(const QString &result)
{
    return result + QLatin1String(".lock");
}
QString progressOf(const QString &result)
{
    return result + QLatin1String(".progress");
}
QString logOf(const QString &result)
{
    return result + QLatin1String(".log");
}

// A progress record is rewritten in place; its check word tells a torn read from a whole one.
constexpr qint64 ProgressKey = 0x5a5a3c3c12345678;

void writeProgress(QFile *file, qint64 done, qint64 total)
{
    const qint64 record[3] = {done, total, done ^ total ^ ProgressKey};
    if (file->seek(0))
        file->write(reinterpret_cast<const char *>(record), sizeof record);
    file->flush();
}

void readProgress(QFile *file, qint64 *done, qint64 *total)
{
    qint64 record[3];
    if (file->isOpen() && file->seek(0)
        && file->read(reinterpret_cast<char *>(record), sizeof record) == sizeof record
        && (record[0] ^ record[1] ^ ProgressKey) == record[2]) {
        *done = record[0];
        *total = record[1];
    }
}

// The holder of a lock keeps a kernel lock on the file, and QLockFile removes the file only when
// it can take that lock: so this is true exactly when the holder is gone, however it ended. A
// zombie or a reused pid cannot fool it, as they could a look at the pid in the file.
bool holderGone(const QString &lockPath)
{
    return !QFileInfo::exists(lockPath) || QLockFile(lockPath).removeStaleLockFile();
}
} // namespace

// ---- The glue between the task and the machinery ------------------------------------------------

bool TaskGlue::workerArguments(const TaskInput &input, int workers, QList<QStringList> *arguments,
                               QString *error)
{
    QString why;
    const bool ok = guarded(
            [&] {
                arguments->clear();
                if (!Task::Splittable || workers <= 1)
                    arguments->append(Task::toArguments(input));
                for (int index = 0; Task::Splittable && workers > 1 && index < workers; ++index)
                    arguments->append(Task::toArguments(Task::share(input, index, workers)));
            },
            &why);
    if (!ok)
        *error = tr("The task could not be prepared: %1").arg(why);
    return ok;
}

bool TaskGlue::readInput(const QCommandLineParser &parser, TaskInput *input, QString *error)
{
    bool ok = false;
    return guarded([&] { ok = Task::readOptions(parser, input, error); }, error) && ok;
}

QByteArray TaskGlue::run(const QCommandLineParser &parser, const Task::Progress &progress)
{
    TaskInput input;
    QString error;
    if (!readInput(parser, &input, &error))
        throw std::invalid_argument(error.toLocal8Bit().toStdString());
    const TaskResult result = Task::run(input, progress);
    QTextStream(stdout) << Task::describe(result) << Qt::endl;
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setVersion(ResultFile::StreamVersion);
    out << result;
    return bytes;
}

bool TaskGlue::combine(const QList<QByteArray> &results, TaskResult *result, QString *error)
{
    QList<TaskResult> parts;
    for (const QByteArray &bytes : results) {
        QDataStream in(bytes);
        in.setVersion(ResultFile::StreamVersion);
        TaskResult part;
        in >> part;
        if (in.status() != QDataStream::Ok || !in.atEnd()) {
            *error = tr("A worker's result is not a result of this task.");
            return false;
        }
        parts << part;
    }
    QString why;
    if (guarded([&] { *result = parts.size() == 1 ? parts.first() : Task::combine(parts); }, &why))
        return true;
    *error = tr("The workers' results could not be combined: %1").arg(why);
    return false;
}

// ---- The result file ----------------------------------------------------------------------------

namespace {
enum Status : quint8 { Succeeded = 1, Failed = 2 };
}

bool ResultFile::write(QIODevice *device, const Contents &contents)
{
    QDataStream out(device);
    out.setVersion(StreamVersion);
    out << Magic << FormatVersion << contents.token;
    if (contents.error.isEmpty()) {
        out << quint8(Succeeded) << qint64(contents.result.size());
        out.writeRawData(contents.result.constData(), contents.result.size());
    } else {
        out << quint8(Failed) << contents.error;
    }
    return out.status() == QDataStream::Ok;
}

bool ResultFile::read(QIODevice *device, const QByteArray &token, Contents *contents,
                      QString *error)
{
    QDataStream in(device);
    in.setVersion(StreamVersion);
    quint32 magic = 0;
    quint16 version = 0;
    quint8 status = 0;
    in >> magic >> version;
    if (in.status() != QDataStream::Ok)
        *error = tr("the file is empty or cut short");
    else if (magic != Magic)
        *error = tr("it is not a result file of this program");
    else if (version != FormatVersion)
        *error = tr("it has format version %1, and this program reads %2")
                         .arg(version)
                         .arg(FormatVersion);
    if (!error->isEmpty())
        return false;
    in >> contents->token; // QDataStream reads a byte array in 1 MiB steps: a bad length costs
                           // little
    if (in.status() == QDataStream::Ok && contents->token != token) {
        *error = tr("it is a result of another run");
        return false;
    }
    in >> status;
    if (status == Succeeded) {
        qint64 size = -1;
        in >> size;
        if (size >= 0 && size <= device->bytesAvailable()) { // never trust a length before reading
            contents->result.resize(size);
            in.readRawData(contents->result.data(), size);
        } else if (in.status() == QDataStream::Ok) {
            in.setStatus(QDataStream::ReadPastEnd);
        }
    } else if (status == Failed) {
        in >> contents->error;
        if (contents->error.isEmpty())
            contents->error = tr("it failed without saying why");
    } else if (in.status() == QDataStream::Ok) {
        in.setStatus(QDataStream::ReadCorruptData);
    }
    if (in.status() == QDataStream::ReadPastEnd)
        *error = tr("the file is cut short");
    else if (in.status() != QDataStream::Ok)
        *error = tr("the file is corrupt");
    else if (!in.atEnd())
        *error = tr("it has unexpected bytes after the result");
    return error->isEmpty();
}

// ---- The worker process -------------------------------------------------------------------------

void Worker::addOptions(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("worker"), tr("Run the task here, without a window.")});
    parser.addOption({QStringLiteral("result"),
                      tr("With --worker: write the result into <file>, "
                         "which must exist."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("host-lock"),
                      tr("With --worker: stop as soon as nobody holds <lock>."),
                      QStringLiteral("lock")});
    parser.addOption({QStringLiteral("token"),
                      tr("With --worker: the word that marks the result as this run's."),
                      QStringLiteral("word")});
}

bool Worker::readOptions(const QCommandLineParser &parser, Options *options, QString *error)
{
    options->resultFile = parser.value(QStringLiteral("result"));
    options->hostLock = parser.value(QStringLiteral("host-lock"));
    options->token = parser.value(QStringLiteral("token")).toUtf8();
    for (const char *name : {"result", "host-lock", "token"}) {
        if (parser.isSet(QLatin1String(name)) && !parser.isSet(QStringLiteral("worker"))) {
            *error = tr("--%1 only works with --worker").arg(QLatin1String(name));
            return false;
        }
    }
    return true;
}

Worker::Worker(const Options &options, Job job) : m_options(options), m_job(std::move(job)) { }

int Worker::exec()
{
    const QString &result = m_options.resultFile;
    if (!result.isEmpty()) {
        m_lock = std::make_unique<QLockFile>(lockOf(result));
        m_lock->setStaleLockTime(
                0); // never give the lock away for its age: a task may run for days
        if (!m_lock->tryLock(0)) {
            qCCritical(lcWorker, "cannot take the lock %s",
                       qUtf8Printable(nativePath(lockOf(result))));
            return ExitIoError;
        }
        QFile::setPermissions(lockOf(result), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        m_progressFile.setFileName(progressOf(result));
        m_progressFile.open(QIODevice::WriteOnly | QIODevice::NewOnly); // a nicety: go on without
    }
    if (!m_options.hostLock.isEmpty() && holderGone(m_options.hostLock))
        stopNow("the app that started this worker is gone (drop --host-lock to run it alone)");
    qCInfo(lcWorker, "pid %lld: %s", QCoreApplication::applicationPid(),
           qUtf8Printable(shellQuoted(QCoreApplication::arguments())));
    m_clock.start();
    QThread *thread = QThread::create([this] { runJob(); });
    thread->setParent(this);
    connect(thread, &QThread::finished, this, &Worker::finish);
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, this, &Worker::tick);
    ticker.start(PollInterval);
    thread->start();
    if (!thread->isRunning() && !thread->isFinished()) {
        m_contents.error = tr("cannot create a thread for the task (out of memory or threads?)");
        QTimer::singleShot(0, this, &Worker::finish);
    }
    return QCoreApplication::exec();
}

void Worker::runJob()
{
    const auto progress = [this](qint64 done, qint64 total) {
        m_done.store(done, std::memory_order_relaxed);
        m_total.store(total, std::memory_order_relaxed);
    };
    if (!guarded([&] { m_contents.result = m_job(progress); }, &m_contents.error)
        && m_contents.error.isEmpty())
        m_contents.error = tr("the task failed without saying why");
}

void Worker::tick()
{
    if (m_progressFile.isOpen())
        writeProgress(&m_progressFile, m_done.load(std::memory_order_relaxed),
                      m_total.load(std::memory_order_relaxed));
    if (!m_options.hostLock.isEmpty() && holderGone(m_options.hostLock))
        stopNow("the app cancelled the task, quit or died");
}

void Worker::finish()
{
    const double seconds = double(m_clock.nsecsElapsed()) / 1e9;
    int exitCode = ExitOk;
    if (m_contents.error.isEmpty()) {
        qCInfo(lcWorker, "finished in %.3f s", seconds);
    } else {
        qCCritical(lcWorker, "the task failed: %s", qUtf8Printable(m_contents.error));
        exitCode = ExitTaskFailed;
    }
    if (!m_options.resultFile.isEmpty()) {
        // Only into the file the app made: never through a symlink, never into a pipe.
        const QFileInfo info(m_options.resultFile);
        QFile file(m_options.resultFile);
        m_contents.token = m_options.token;
        if (info.isSymLink() || !info.isFile()
            || !file.open(QIODevice::WriteOnly | QIODevice::ExistingOnly | QIODevice::Truncate)
            || !ResultFile::write(&file, m_contents) || !file.flush()) {
            qCCritical(lcWorker, "cannot write the result to %s: %s",
                       qUtf8Printable(nativePath(m_options.resultFile)),
                       qUtf8Printable(file.errorString()));
            exitCode = ExitIoError;
        }
        m_progressFile.remove();
        m_lock->unlock(); // tells the waiter that the result is there
    }
    QCoreApplication::exit(exitCode);
}

void Worker::stopNow(const char *why)
{
    qCInfo(lcWorker, "stopping: %s", why);
    const QString &result = m_options.resultFile;
    if (!result.isEmpty()) {
        for (const QString &path : {result, progressOf(result), logOf(result)})
            QFile::remove(path);
        m_lock->unlock();
    }
    // If the app died, nobody else removes its folder: each worker tries, and the last succeeds,
    // as rmdir() removes only an empty folder.
    QDir().rmdir(QFileInfo(m_options.hostLock).path());
    // The job's thread may be deep in work that checks no flag. _Exit ends the process now, where
    // returning from main() with that thread running would abort.
    std::_Exit(ExitHostGone);
}

// ---- The waiter ---------------------------------------------------------------------------------

namespace {
QString folderPrefix()
{
    return QStringLiteral(APP_NAME "-");
}

// Task folders of apps that were killed. TMPDIR is shared and hostile, so only a folder that is
// provably this app's and provably dead is touched: the exact name QTemporaryDir gave it, a real
// directory (never a symlink) owned by this user (`owner`), with a host.lock that is a regular
// file nobody holds. Even then only files of this app's own names go, then the empty folder.
void removeDeadTaskFolders(uint owner)
{
    static const QRegularExpression folderName(QRegularExpression::anchoredPattern(
            QRegularExpression::escape(folderPrefix()) + QStringLiteral("[A-Za-z0-9]{6}")));
    static const QRegularExpression fileName(QRegularExpression::anchoredPattern(QStringLiteral(
            R"(host\.lock|worker-[0-9]+\.[A-Za-z0-9]{6}(\.lock|\.progress|\.log)?)")));
    const QFileInfoList folders = QDir(QDir::tempPath())
                                          .entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot
                                                         | QDir::NoSymLinks | QDir::Hidden);
    for (const QFileInfo &folder : folders) {
        const QFileInfo host(folder.filePath() + QLatin1String("/host.lock"));
        if (!folderName.match(folder.fileName()).hasMatch() || folder.isSymLink()
            || folder.ownerId() != owner || host.isSymLink() || !host.isFile()
            || host.ownerId() != owner || !holderGone(host.filePath()))
            continue;
        QDir dir(folder.filePath());
        const QFileInfoList files = dir.entryInfoList(QDir::Files | QDir::Hidden | QDir::System);
        for (const QFileInfo &file : files) {
            if (fileName.match(file.fileName()).hasMatch() && !file.isSymLink())
                dir.remove(file.fileName());
        }
        if (QDir().rmdir(folder.filePath()))
            qCInfo(lcWaiter, "removed %s, left by an app that was killed",
                   qUtf8Printable(nativePath(folder.filePath())));
    }
}
} // namespace

struct Waiter::Process // one worker, as the waiter sees it
{
    std::unique_ptr<QTemporaryFile> result; // its destruction removes the file
    QByteArray token;
    qint64 pid = 0;
    QFile progress;
    qint64 done = 0;
    qint64 total = 0;
    bool locked = false; // its lock has been seen held: it runs
    bool exited = false; // its lock is free again
    ResultFile::Contents contents;
};

// One task, on the waiter thread's stack: no other thread ever touches its state.
class Waiter::Run
{
    Q_DECLARE_TR_FUNCTIONS(Waiter)

public:
    explicit Run(Waiter *waiter) : m_waiter(waiter) { }
    void exec();

private:
    bool launch(const QString &folder, const QString &hostLock);
    bool startWorker(const QString &folder, const QString &hostLock, int index);
    bool loopUntil(QFileSystemWatcher *watcher, bool (Run::*done)(),
                   std::chrono::milliseconds limit = {});
    bool checkWorkers();
    bool allExited();
    void update(Process *process);
    void readResult(Process *process);
    QString workerName(const Process &process) const;
    QString lastWords(const Process &process) const;
    void finish();

    Waiter *m_waiter;
    std::vector<std::unique_ptr<Process>> m_processes;
    QString m_error;
    qint64 m_lastDone = -1;
    QElapsedTimer m_clock;
};

void Waiter::Run::exec()
{
    m_clock.start();
    // A private folder (mode 0700): only this user can read the task's files.
    QTemporaryDir folder(QDir::tempPath() + QLatin1Char('/') + folderPrefix()
                         + QLatin1String("XXXXXX"));
    QLockFile host(folder.filePath(QStringLiteral("host.lock")));
    host.setStaleLockTime(0);
    if (QDir::tempPath().isEmpty() || !folder.isValid()) {
        m_error = tr("Cannot create a folder for the task's files in %1: %2. Point TMPDIR at a "
                     "writable folder.")
                          .arg(nativePath(qEnvironmentVariable("TMPDIR", QDir::tempPath())),
                               folder.errorString());
    } else if (!host.tryLock(0)) { // the workers run while this thread holds it
        m_error = tr("Cannot create a lock file in %1.").arg(nativePath(folder.path()));
    } else {
        QFile::setPermissions(host.fileName(), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        removeDeadTaskFolders(QFileInfo(folder.path()).ownerId());
        QFileSystemWatcher watcher({folder.path()}); // wakes us when a worker's lock comes or goes
        if (launch(folder.path(), host.fileName()))
            loopUntil(&watcher, &Run::checkWorkers);
        host.unlock(); // every worker stops by itself now
        if (!loopUntil(&watcher, &Run::allExited, StopTimeout))
            qCWarning(lcWaiter, "a worker did not stop within %lld ms",
                      qint64(StopTimeout.count()));
    }
    finish();
    m_processes.clear(); // removes the result files; the folder goes with `folder`
}

bool Waiter::Run::launch(const QString &folder, const QString &hostLock)
{
    for (int index = 0; index < m_waiter->m_arguments.size(); ++index) {
        if (m_waiter->isInterruptionRequested() || !startWorker(folder, hostLock, index))
            return false;
    }
    QList<qint64> pids;
    for (const auto &process : m_processes)
        pids << process->pid;
    emit m_waiter->workersStarted(pids);
    return true;
}

bool Waiter::Run::startWorker(const QString &folder, const QString &hostLock, int index)
{
    auto process = std::make_unique<Process>();
    process->result = std::make_unique<QTemporaryFile>(
            QStringLiteral("%1/worker-%2.XXXXXX").arg(folder).arg(index + 1));
    if (!process->result->open()) {
        m_error = tr("Cannot create a result file in %1: %2.")
                          .arg(nativePath(folder), process->result->errorString());
        return false;
    }
    process->token = QByteArray::number(QRandomGenerator::system()->generate64(), 36);
    const QString name = process->result->fileName();
    QProcess starter;
    starter.setProgram(m_waiter->m_program);
    starter.setArguments(QStringList {QStringLiteral("--worker")} + m_waiter->m_arguments.at(index)
                         + QStringList {QStringLiteral("--result"), name,
                                        QStringLiteral("--host-lock"), hostLock,
                                        QStringLiteral("--token"),
                                        QString::fromLatin1(process->token)});
    starter.setStandardOutputFile(logOf(name));
    starter.setStandardErrorFile(logOf(name), QIODevice::Append);
    if (!starter.startDetached(&process->pid)) {
        m_error = tr("Cannot start the worker %1: %2.")
                          .arg(nativePath(m_waiter->m_program), starter.errorString());
        return false;
    }
    qCInfo(lcWaiter, "started worker %d of %lld, pid %lld: %s", index + 1,
           qint64(m_waiter->m_arguments.size()), process->pid,
           qUtf8Printable(shellQuoted(QStringList {starter.program()} + starter.arguments())));
    m_processes.push_back(std::move(process));
    return true;
}

// Runs an event loop until `done` is true, woken by the folder's changes and a timer. False if
// `limit` (if any) ran out first.
bool Waiter::Run::loopUntil(QFileSystemWatcher *watcher, bool (Run::*done)(),
                            std::chrono::milliseconds limit)
{
    QEventLoop loop;
    const auto check = [&] {
        if ((this->*done)())
            loop.quit();
    };
    QTimer ticker;
    QObject::connect(&ticker, &QTimer::timeout, &loop, check);
    QObject::connect(watcher, &QFileSystemWatcher::directoryChanged, &loop, check);
    ticker.start(PollInterval);
    if (limit.count() > 0)
        QTimer::singleShot(limit, &loop, &QEventLoop::quit);
    if (!(this->*done)())
        loop.exec();
    return (this->*done)();
}

// True once the task is decided: every worker delivered, one failed, or Cancel was pressed.
bool Waiter::Run::checkWorkers()
{
    bool allDone = true;
    qint64 done = 0;
    qint64 total = 0;
    for (const auto &process : m_processes) {
        if (!process->exited)
            update(process.get());
        if (!m_error.isEmpty())
            return true;
        allDone = allDone && process->exited;
        done += process->done;
        total += process->total;
    }
    if (done != m_lastDone && total > 0 && !allDone) {
        m_lastDone = done;
        emit m_waiter->progressChanged(done, total);
    }
    return allDone || m_waiter->isInterruptionRequested();
}

void Waiter::Run::update(Process *process)
{
    const QString name = process->result->fileName();
    if (!process->progress.isOpen()) {
        process->progress.setFileName(progressOf(name));
        process->progress.open(QIODevice::ReadOnly);
    }
    readProgress(&process->progress, &process->done, &process->total);
    if (!process->locked) {
        // QLockFile writes the holder's pid once it holds the kernel lock.
        qint64 pid = 0;
        process->locked = QLockFile(lockOf(name)).getLockInfo(&pid, nullptr, nullptr);
    }
    if (process->locked)
        process->exited = holderGone(lockOf(name));
    else if (process->result->size() > 0 && !QFileInfo::exists(lockOf(name)))
        process->exited = true; // done before we ever looked
    else if (m_clock.hasExpired(std::chrono::milliseconds(StartTimeout).count()))
        m_error =
                tr("%1 did not start within %2 s. %3")
                        .arg(workerName(*process))
                        .arg(std::chrono::duration_cast<std::chrono::seconds>(StartTimeout).count())
                        .arg(lastWords(*process));
    if (process->exited)
        readResult(process);
}

void Waiter::Run::readResult(Process *process)
{
    QTemporaryFile &file = *process->result;
    QString why;
    if (!file.seek(0) || file.size() == 0) {
        m_error = tr("%1 stopped without writing a result: it crashed, aborted, exited early or "
                     "was killed. %2")
                          .arg(workerName(*process), lastWords(*process));
    } else if (!ResultFile::read(&file, process->token, &process->contents, &why)) {
        m_error =
                tr("The result of %1 is unreadable: %2.").arg(workerName(*process).toLower(), why);
    } else if (!process->contents.error.isEmpty()) {
        m_error = tr("The task failed in %1: %2")
                          .arg(workerName(*process).toLower(), process->contents.error);
    } else {
        process->done = process->total; // done, whatever its last report said
    }
}

QString Waiter::Run::workerName(const Process &process) const
{
    if (m_processes.size() == 1)
        return tr("The worker (pid %1)").arg(process.pid);
    for (size_t index = 0; index < m_processes.size(); ++index) {
        if (m_processes[index].get() == &process)
            return tr("Worker %1 of %2 (pid %3)")
                    .arg(index + 1)
                    .arg(m_processes.size())
                    .arg(process.pid);
    }
    return {};
}

// The last line a worker wrote to its log, for error messages.
QString Waiter::Run::lastWords(const Process &process) const
{
    QFile log(logOf(process.result->fileName()));
    if (!log.open(QIODevice::ReadOnly))
        return tr("It wrote nothing to its log.");
    log.seek(qMax<qint64>(0, log.size() - 600));
    const QString tail = QString::fromLocal8Bit(log.readAll()).trimmed();
    if (tail.isEmpty())
        return tr("It wrote nothing to its log.");
    return tr("Its log ends with: %1").arg(tail.mid(tail.lastIndexOf(QLatin1Char('\n')) + 1));
}

// True once every worker's lock is free, or gone with its files.
bool Waiter::Run::allExited()
{
    for (const auto &process : m_processes) {
        if (!process->exited)
            process->exited = holderGone(lockOf(process->result->fileName()))
                    && (process->locked || !QFileInfo::exists(logOf(process->result->fileName())));
        if (!process->exited)
            return false;
    }
    return true;
}

void Waiter::Run::finish()
{
    const double seconds = double(m_clock.nsecsElapsed()) / 1e9;
    if (m_waiter->isInterruptionRequested()) {
        qCInfo(lcWaiter, "cancelled");
        emit m_waiter->cancelled();
    } else if (!m_error.isEmpty()) {
        qCWarning(lcWaiter, "failed: %s", qUtf8Printable(m_error));
        emit m_waiter->failed(m_error);
    } else {
        QList<QByteArray> results;
        for (const auto &process : m_processes)
            results << std::move(process->contents.result);
        qCInfo(lcWaiter, "finished in %.3f s", seconds);
        emit m_waiter->progressChanged(1, 1); // a full bar, in any units
        emit m_waiter->succeeded(results, seconds);
    }
}

Waiter::Waiter(QObject *parent)
    : QThread(parent), m_program(QCoreApplication::applicationFilePath())
{
    setObjectName(QStringLiteral("waiter"));
}

Waiter::~Waiter()
{
    requestInterruption();
    wait();
}

void Waiter::setWorkerProgram(const QString &program)
{
    m_program = program;
}

void Waiter::start(const QList<QStringList> &workerArguments)
{
    if (m_busy)
        return; // one task at a time
    // The window enables Start on finished(), which the thread emits moments before it ends: this
    // waits for those moments only, or QThread::start() would ignore this start.
    wait();
    m_busy = true;
    m_arguments = workerArguments;
    QThread::start();
}

void Waiter::cancel()
{
    requestInterruption(); // the waiter looks at it every PollInterval
}

void Waiter::run()
{
    Run(this).exec();
    m_busy = false;
}
