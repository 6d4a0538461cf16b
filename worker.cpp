// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "worker.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDataStream>
#include <QDir>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QLoggingCategory>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStorageInfo>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTextStream>
#include <QTimer>

#include <cstdlib>
#include <optional>
#include <stdexcept>

// Qt can neither ask about nor end a process it started detached: processRuns() and killWorker()
// below need the system's calls (OpenProcess/TerminateProcess, kill).
#ifdef Q_OS_WIN
#include <qt_windows.h>
#else
#include <cerrno>
#include <signal.h>
#endif

using namespace std::chrono_literals;

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("Worker", text);
}
} // namespace

// ==== YOUR TASK: BEGIN ===========================================================================
// Your task's code, and the headers that only it needs.
#include <QLocale>

#include <climits>
#include <random>

void Task::addOptions(QCommandLineParser &parser)
{
    const TaskInput defaults;
    parser.addOption({QStringLiteral("trials"),
                      tr("Number of trials (default %1).").arg(defaults.trials),
                      QStringLiteral("n")});
    parser.addOption({QStringLiteral("seed"),
                      tr("Seed of the random numbers (default %1).").arg(defaults.seed),
                      QStringLiteral("n")});
}

bool Task::readOptions(const QCommandLineParser &parser, TaskInput *input, QString *error)
{
    bool trialsOk = true;
    bool seedOk = true;
    const QString trials = parser.value(QStringLiteral("trials"));
    const QString seed = parser.value(QStringLiteral("seed"));
    if (!trials.isEmpty())
        input->trials = trials.toULongLong(&trialsOk);
    if (!seed.isEmpty())
        input->seed = seed.toUInt(&seedOk);
    if (!trialsOk || input->trials == 0)
        *error = tr("--trials takes a whole number above 0, not '%1'").arg(trials);
    else if (!seedOk)
        *error = tr("--seed takes a whole number up to %1, not '%2'").arg(UINT_MAX).arg(seed);
    return error->isEmpty();
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
    return tr("e ≈ %1 from %2 trials")
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

constexpr auto PollInterval = 20ms; // how often workers and the waiter look: microseconds of work
constexpr auto StartTimeout = 10s; // for a worker whose pid runs but that never takes its lock
constexpr auto StopTimeout = 2s; // for stopped workers to exit, before they are killed

// The task's folder holds host.lock (held by the app while it wants results) and, for each worker,
// its result file NAME, NAME.lock (held by the worker all its life) and NAME.log (its output).
const QString HostLock = QStringLiteral("host.lock");
const QLatin1String LockSuffix(".lock"), LogSuffix(".log");

// Until the result replaces it, the result file holds the worker's progress: two numbers,
// rewritten in place. A result is longer: its header alone is.
constexpr qint64 ProgressSize = 2 * sizeof(qint64);

// A result is written and read in pieces of this size: QDataStream takes an int, and the system
// call for each is short enough not to hold a core that the GUI thread may wait for.
constexpr qint64 Chunk = 1 << 20;

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

// A command line as a POSIX shell reads it: paste it into a terminal to replay a worker.
QString shellQuoted(const QStringList &arguments)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_@%+=:,./-]+$"));
    QStringList quoted;
    for (QString argument : arguments) {
        quoted << (plain.match(argument).hasMatch()
                           ? argument
                           : u'\'' + argument.replace(u'\'', QLatin1String("'\\''")) + u'\'');
    }
    return quoted.join(u' ');
}

// What the system says when a file cannot be made at `path` (a full disk, too many open files, a
// name too long...): QLockFile and QTemporaryFile fail without saying why.
QString whyNotMade(const QString &path)
{
    QFile probe(path);
    const bool made = probe.open(QIODevice::WriteOnly | QIODevice::NewOnly)
            && probe.write("?", 1) == 1 && probe.flush();
    const QString why = made ? tr("no reason given") : probe.errorString();
    if (probe.isOpen())
        probe.remove();
    return why;
}

// QLockFile removes a lock file only when it can take the kernel lock that its holder keeps: so
// this is true exactly when the holder is gone, however it ended, whatever became of its pid.
bool holderGone(const QString &lockPath)
{
    return !QFileInfo::exists(lockPath) || QLockFile(lockPath).removeStaleLockFile();
}

// Qt can neither ask about nor end a process that it started detached: startDetached() gives a
// pid and nothing more. These functions are the machinery's one place past Qt.
#ifdef Q_OS_WIN
bool processRuns(qint64 pid)
{
    const HANDLE process = OpenProcess(SYNCHRONIZE, FALSE, DWORD(pid));
    const bool runs = process && WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
    if (process)
        CloseHandle(process);
    return runs;
}

// Kills `pid` if it is still the worker that holds its lock (`holdsLock`); one stopped before its
// lock ends once it runs again.
void killWorker(qint64 pid, bool holdsLock, const QByteArray &)
{
    if (const HANDLE process =
                holdsLock ? OpenProcess(PROCESS_TERMINATE, FALSE, DWORD(pid)) : nullptr) {
        TerminateProcess(process, 1);
        CloseHandle(process);
    }
}
#else
bool processRuns(qint64 pid)
{
    // On Linux a zombie has ended too: it only waits for init to reap it, which can take a while.
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (stat.open(QIODevice::ReadOnly)) {
        const QByteArray line = stat.readAll();
        return line.mid(line.lastIndexOf(')') + 2, 1) != "Z";
    }
    return ::kill(pid_t(pid), 0) == 0 || errno == EPERM;
}

// Kills `pid` if it is still the worker that holds its lock (`holdsLock`) or, on Linux, whose
// command line has its `token`; elsewhere a worker stopped before its lock ends once it runs.
void killWorker(qint64 pid, bool holdsLock, const QByteArray &token)
{
    QFile commandLine(QStringLiteral("/proc/%1/cmdline").arg(pid));
    if (holdsLock
        || (commandLine.open(QIODevice::ReadOnly)
            && commandLine.readAll().contains(QByteArray("--token") + '\0' + token + '\0')))
        ::kill(pid_t(pid), SIGKILL);
}
#endif
} // namespace

// ---- The glue between the task and the machinery ------------------------------------------------

bool TaskGlue::workerArguments(const TaskInput &input, int workers, QList<QStringList> *arguments,
                               QString *error)
{
    const auto split = [&] {
        arguments->clear();
        for (int index = 0; Task::Splittable && workers > 1 && index < workers; ++index)
            arguments->append(Task::toArguments(Task::share(input, index, workers)));
        if (arguments->isEmpty())
            arguments->append(Task::toArguments(input));
    };
    if (guarded(split, error))
        return true;
    *error = tr("The task could not be prepared: %1").arg(*error);
    return false;
}

QByteArray TaskGlue::run(const QCommandLineParser &parser, const Task::Progress &progress)
{
    TaskInput input;
    QString error;
    if (!Task::readOptions(parser, &input, &error))
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
        in >> parts.emplace_back();
        if (in.status() != QDataStream::Ok || !in.atEnd()) {
            *error = tr("A worker's result is not a result of this task.");
            return false;
        }
    }
    if (guarded([&] { *result = parts.size() == 1 ? parts[0] : Task::combine(parts); }, error))
        return true;
    *error = tr("The workers' results could not be combined: %1").arg(*error);
    return false;
}

// ---- The result file ----------------------------------------------------------------------------

bool ResultFile::write(QIODevice *device, const Contents &contents)
{
    QDataStream out(device);
    out.setVersion(StreamVersion);
    out << Magic << FormatVersion << contents.token << contents.error
        << qint64(contents.result.size());
    for (qint64 done = 0; done < contents.result.size(); done += Chunk)
        out.writeRawData(contents.result.constData() + done,
                         int(qMin(Chunk, contents.result.size() - done)));
    return out.status() == QDataStream::Ok;
}

bool ResultFile::read(QIODevice *device, const QByteArray &token, Contents *contents,
                      QString *error)
{
    QDataStream in(device);
    in.setVersion(StreamVersion);
    *contents = {};
    error->clear();
    quint32 magic = 0;
    quint16 version = 0;
    qint64 size = -1;
    if ((in >> magic >> version).status() != QDataStream::Ok)
        *error = tr("the file is empty or cut short");
    else if (magic != Magic)
        *error = tr("it is not a result file of this program");
    else if (version != FormatVersion)
        *error = tr("it has format version %1, and this program reads %2")
                         .arg(version)
                         .arg(FormatVersion);
    else if ((in >> contents->token).status() == QDataStream::Ok && contents->token != token)
        *error = tr("it is a result of another run"); // known before any of its result is read
    // A length is trusted only once its bytes are there (QDataStream reads a string in 1 MiB
    // steps); the result is allocated exactly, and one too big for memory is an error, not a crash.
    else if ((in >> contents->error >> size).status() == QDataStream::Ok
             && (size < 0 || size > device->bytesAvailable()))
        in.setStatus(QDataStream::ReadPastEnd);
    else if (in.status() == QDataStream::Ok
             && guarded([&] { contents->result = QByteArray(size, Qt::Uninitialized); }, error))
        for (qint64 done = 0; done < size && in.status() == QDataStream::Ok; done += Chunk)
            in.readRawData(contents->result.data() + done, int(qMin(Chunk, size - done)));
    if (!error->isEmpty())
        return false;
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
                      tr("With --worker: write the result into <file>, which must exist, and "
                         "stop as soon as nobody holds host.lock beside it."),
                      QStringLiteral("file")});
    parser.addOption({QStringLiteral("token"),
                      tr("With --worker: the word that marks the result as this run's."),
                      QStringLiteral("word")});
}

Worker::Worker(const QCommandLineParser &parser, Job job)
    : m_resultFile(parser.value(QStringLiteral("result"))),
      m_token(parser.value(QStringLiteral("token")).toUtf8()), m_job(std::move(job))
{}

int Worker::exec()
{
    if (!m_resultFile.isEmpty() && !openResultFile())
        return ExitIoError;
    tick(); // a first progress record tells the waiter that this worker runs
    QThread *thread = QThread::create([this] {
        const auto progress = [this](qint64 done, qint64 total) {
            m_done.store(done, std::memory_order_relaxed);
            m_total.store(total, std::memory_order_relaxed);
        };
        if (!guarded([&] { m_contents.result = m_job(progress); }, &m_contents.error)
            && m_contents.error.isEmpty())
            m_contents.error = tr("the task failed without saying why");
    });
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

// Takes the worker's lock and opens the result file: only the file the app made, never through a
// symlink, never a pipe that would block.
bool Worker::openResultFile()
{
    const QFileInfo result(m_resultFile);
    m_hostLock = result.dir().filePath(HostLock);
    m_lock = std::make_unique<QLockFile>(m_resultFile + LockSuffix);
    m_lock->setStaleLockTime(0); // never give it away for its age: a task may run for days
    m_result.setFileName(m_resultFile);
    QString why;
    if (!m_lock->tryLock(0))
        why = QFileInfo::exists(m_lock->fileName()) ? tr("another worker holds its lock")
                                                    : whyNotMade(m_lock->fileName());
    else if (result.isSymLink() || !result.isFile())
        why = tr("it is not the regular file that the app made");
    else if (!m_result.open(QIODevice::ReadWrite | QIODevice::ExistingOnly))
        why = m_result.errorString();
    else
        return QFile::setPermissions(m_lock->fileName(), QFile::ReadOwner | QFile::WriteOwner);
    qCCritical(lcWorker, "cannot use %s as its result file: %s",
               qUtf8Printable(m_result.fileName()), qUtf8Printable(why));
    return false;
}

void Worker::tick()
{
    const qint64 record[2] = {m_done.load(std::memory_order_relaxed),
                              m_total.load(std::memory_order_relaxed)};
    if (m_result.isOpen() && m_result.seek(0)
        && m_result.write(reinterpret_cast<const char *>(record), ProgressSize) == ProgressSize)
        m_result.flush();
    if (m_hostLock.isEmpty())
        return; // a worker without --result runs alone
    if (!QFileInfo::exists(m_hostLock))
        stopNow("the app cancelled the task or quit");
    if (QLockFile(m_hostLock).removeStaleLockFile()) // the app holds it no more
        stopNow("the app died", true);
}

void Worker::finish()
{
    tick(); // a result for an app that is gone would be left behind
    int exitCode = m_contents.error.isEmpty() ? ExitOk : ExitTaskFailed;
    if (exitCode != ExitOk)
        qCCritical(lcWorker, "the task failed: %s", qUtf8Printable(m_contents.error));
    if (m_lock) {
        m_contents.token = m_token;
        if (!m_result.resize(0) || !m_result.seek(0) || !ResultFile::write(&m_result, m_contents)
            || !m_result.flush()) {
            qCCritical(lcWorker, "cannot write the result to %s: %s",
                       qUtf8Printable(m_result.fileName()), qUtf8Printable(m_result.errorString()));
            exitCode = ExitIoError;
        }
        m_result.close(); // a tick still due in this event loop pass must not write a record on it
        m_lock->unlock(); // tells the waiter that the result is there
    }
    QCoreApplication::exit(exitCode);
}

void Worker::stopNow(const char *why, bool appDied)
{
    qCInfo(lcWorker, "stopping: %s", why);
    QFile::remove(m_resultFile);
    QFile::remove(m_resultFile + LogSuffix);
    m_lock->unlock();
    // Every stopping worker tries to remove the task's folder. If the app died, its lock is put
    // back (free), so that the next Start's sweep finds a folder that a killed worker left.
    if (appDied)
        QFile(m_hostLock).open(QIODevice::WriteOnly);
    QDir folder = QFileInfo(m_hostLock).dir();
    if (folder.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System)
        == QStringList {HostLock})
        folder.remove(HostLock);
    folder.rmdir(folder.path()); // only if empty
    // The job's thread may be deep in work that checks no flag: returning from main() would abort.
    std::_Exit(ExitHostGone);
}

// ---- The waiter ---------------------------------------------------------------------------------

namespace {
const QString FolderPrefix = QStringLiteral(APP_NAME "-");

// Task folders of killed apps. TMPDIR is hostile: only a folder that is provably this app's and
// dead is touched (its exact name, a real directory owned by `owner`, a regular host.lock nobody
// holds), and only files of this app's own names in it go, then the empty folder.
void removeDeadTaskFolders(uint owner)
{
    static const QRegularExpression folderName(QRegularExpression::anchoredPattern(
            QRegularExpression::escape(FolderPrefix) + QStringLiteral("[A-Za-z0-9]{6}")));
    static const QRegularExpression fileName(QRegularExpression::anchoredPattern(
            QStringLiteral(R"(host\.lock|worker-[0-9]+\.[A-Za-z0-9]{6}(\.lock|\.log)?)")));
    const QFileInfoList folders = QDir(QDir::tempPath())
                                          .entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot
                                                         | QDir::NoSymLinks | QDir::Hidden);
    for (const QFileInfo &folder : folders) {
        const QFileInfo host(folder.filePath() + u'/' + HostLock);
        if (!folderName.match(folder.fileName()).hasMatch() || folder.isSymLink()
            || folder.ownerId() != owner || host.isSymLink() || !host.isFile()
            || host.ownerId() != owner || !holderGone(host.filePath()))
            continue;
        QDir dir(folder.filePath());
        for (const QFileInfo &file : dir.entryInfoList(QDir::Files | QDir::Hidden | QDir::System)) {
            if (fileName.match(file.fileName()).hasMatch() && !file.isSymLink())
                dir.remove(file.fileName());
        }
        if (dir.rmdir(dir.path()))
            qCInfo(lcWaiter, "removed %s, left by an app that was killed",
                   qUtf8Printable(dir.path()));
    }
}

// Qt's words may leave out the system's reason; a start takes a few files (redirections, a pipe).
QString whyNotStarted(const QProcess &starter)
{
    QFile probes[8];
    for (QFile &probe : probes) {
        probe.setFileName(QProcess::nullDevice());
        if (!probe.open(QIODevice::ReadOnly))
            return tr("%1 (%2)").arg(starter.errorString(), probe.errorString());
    }
    return starter.errorString();
}

// The last line a worker wrote to its log, for messages.
QString lastWords(const QString &resultFile)
{
    QFile log(resultFile + LogSuffix);
    QString tail;
    if (log.open(QIODevice::ReadOnly) && log.seek(qMax<qint64>(0, log.size() - 4096)))
        tail = QString::fromLocal8Bit(log.readAll()).trimmed();
    if (tail.isEmpty())
        return tr("It wrote nothing to its log.");
    return tr("Its log ends with: %1").arg(tail.mid(tail.lastIndexOf(u'\n') + 1));
}

// A full disk makes a worker fail without saying so: its log cannot be written either.
QString diskFullNote(const QString &file)
{
    const QStorageInfo disk(QFileInfo(file).path());
    if (!disk.isValid() || disk.bytesAvailable() >= 64 * 1024)
        return {};
    return tr(" The disk of %1 is full (No space left on device).").arg(disk.rootPath());
}
} // namespace

struct Waiter::Process // one worker, as the waiter sees it
{
    QString name; // for messages: "The worker (pid 12)", "Worker 2 of 3 (pid 12)"
    QString file; // its result file's name; its other files add a suffix
    std::unique_ptr<QTemporaryFile> result; // its destruction removes the file
    QByteArray token;
    qint64 pid = 0;
    qint64 progress[2] = {0, 0}; // done, total
    bool started = false; // it has written a first progress record, so it holds its lock
    bool exited = false; // its lock is free again
    ResultFile::Contents contents;
};

void Waiter::run()
{
    m_clock.start();
    m_error.clear();
    m_handled.tryAcquire(m_handled.available()); // a late release of the last task
    // A private folder (0700). tempPath() is empty when TMPDIR names no folder: not in / then.
    const QString temp = QDir::tempPath();
    std::optional<QTemporaryDir> folder;
    if (!temp.isEmpty())
        folder.emplace(temp + u'/' + FolderPrefix + QLatin1String("XXXXXX"));
    QFileSystemWatcher watcher; // closing it can take the kernel 20 ms: not before finish()
    if (folder && folder->isValid())
        runIn(folder->path(), &watcher);
    else
        m_error = tr("Cannot create a folder for the task's files in %1: %2. Point TMPDIR at a "
                     "writable folder.")
                          .arg(temp.isEmpty() ? qEnvironmentVariable("TMPDIR") : temp,
                               folder ? folder->errorString() : tr("there is no such folder"));
    finish();
    m_processes.clear(); // removes the result files; the folder goes with `folder`
    m_busy = false;
}

void Waiter::runIn(const QString &folder, QFileSystemWatcher *watcher)
{
    QLockFile host(folder + u'/' + HostLock);
    host.setStaleLockTime(0);
    if (!host.tryLock(0)) { // the workers run while this thread holds it
        m_error =
                tr("Cannot create a lock file in %1: %2.").arg(folder, whyNotMade(host.fileName()));
        return;
    }
    QFile::setPermissions(host.fileName(), QFile::ReadOwner | QFile::WriteOwner);
    removeDeadTaskFolders(QFileInfo(folder).ownerId());
    watcher->addPath(folder); // wakes the loop when a worker's lock comes or goes
    QList<qint64> pids;
    while (pids.size() < m_arguments.size() && !isInterruptionRequested()
           && startWorker(folder, int(pids.size())))
        pids << m_processes.back()->pid;
    if (pids.size() == m_arguments.size()) {
        emit workersStarted(pids);
        loopUntil(watcher, &Waiter::checkWorkers);
    }
    host.unlock(); // every worker stops by itself now
    if (!loopUntil(watcher, &Waiter::allExited, QDeadlineTimer(StopTimeout)))
        killStuckWorkers();
}

bool Waiter::startWorker(const QString &folder, int index)
{
    auto process = std::make_unique<Process>();
    process->result = std::make_unique<QTemporaryFile>(
            QStringLiteral("%1/worker-%2.XXXXXX").arg(folder).arg(index + 1));
    if (!process->result->open() || process->result->fileName().isEmpty()) { // left nameless
        m_error = tr("Cannot create a result file in %1: %2.")
                          .arg(folder, whyNotMade(process->result->fileTemplate()));
        return false;
    }
    process->file = process->result->fileName();
    QFile log(process->file + LogSuffix); // made here to be 0600, as every file of the task
    if (!log.open(QIODevice::WriteOnly | QIODevice::NewOnly)
        || !log.setPermissions(QFile::ReadOwner | QFile::WriteOwner)) {
        m_error = tr("Cannot create a log file in %1: %2.").arg(folder, log.errorString());
        return false;
    }
    process->token = QByteArray::number(QRandomGenerator::system()->generate64(), 36);
    QProcess starter;
    starter.setProgram(m_program);
    starter.setArguments(QStringList {QStringLiteral("--worker")} + m_arguments.at(index)
                         + QStringList {QStringLiteral("--result"), process->file,
                                        QStringLiteral("--token"),
                                        QString::fromLatin1(process->token)});
    starter.setStandardOutputFile(log.fileName(), QIODevice::Append);
    starter.setStandardErrorFile(log.fileName(), QIODevice::Append);
    if (!starter.startDetached(&process->pid)) {
        m_error = tr("Cannot start the worker %1: %2.").arg(m_program, whyNotStarted(starter));
        return false;
    }
    const qsizetype count = m_arguments.size();
    process->name = count == 1
            ? tr("The worker (pid %1)").arg(process->pid)
            : tr("Worker %1 of %2 (pid %3)").arg(index + 1).arg(count).arg(process->pid);
    qCInfo(lcWaiter, "started %s: %s", qUtf8Printable(process->name.toLower()),
           qUtf8Printable(shellQuoted(QStringList {m_program} + starter.arguments())));
    m_processes.push_back(std::move(process));
    return true;
}

// Runs the thread's event loop until `done` is true, looking each time the folder changes and
// every PollInterval. cancel() quits the loop, even one yet to start (QThread::exec() then returns
// at once), and `done` says whether that ends the wait.
bool Waiter::loopUntil(QFileSystemWatcher *watcher, bool (Waiter::*done)(), QDeadlineTimer deadline)
{
    QTimer ticker;
    const auto check = [&] {
        if ((this->*done)() || deadline.hasExpired())
            quit();
    };
    connect(&ticker, &QTimer::timeout, &ticker, check);
    connect(watcher, &QFileSystemWatcher::directoryChanged, &ticker, check);
    ticker.start(PollInterval);
    while (!(this->*done)() && !deadline.hasExpired())
        exec();
    return (this->*done)();
}

// True once the task is decided: every worker delivered, one failed, or Cancel was pressed.
bool Waiter::checkWorkers()
{
    bool allDone = true;
    qint64 done = 0;
    qint64 total = 0;
    for (const auto &process : m_processes) {
        if (!process->exited)
            checkWorker(process.get());
        if (!m_error.isEmpty()) {
            m_error += diskFullNote(process->file);
            return true;
        }
        allDone = allDone && process->exited;
        done += process->progress[0];
        total += process->progress[1];
    }
    if (total > 0 && !allDone)
        emit progressChanged(done, total);
    return allDone || isInterruptionRequested();
}

void Waiter::checkWorker(Process *process)
{
    QTemporaryFile *file = process->result.get();
    process->exited = hasExited(process);
    if (!process->exited) {
        if (file->size() == ProgressSize && file->seek(0))
            file->read(reinterpret_cast<char *>(process->progress), ProgressSize);
        else if (!process->started
                 && m_clock.hasExpired(std::chrono::milliseconds(StartTimeout).count()))
            m_error = tr("%1 did not start within %2 s. %3")
                              .arg(process->name)
                              .arg(StartTimeout.count())
                              .arg(lastWords(process->file));
        return;
    }
    QString why;
    if (!process->started)
        m_error = tr("%1 ended before it started its task. %2")
                          .arg(process->name, lastWords(process->file));
    else if (file->size() <= ProgressSize)
        m_error = tr("%1 stopped without writing a result: it crashed, aborted, exited early or "
                     "was killed. %2")
                          .arg(process->name, lastWords(process->file));
    else if (!file->seek(0) || !ResultFile::read(file, process->token, &process->contents, &why))
        m_error = tr("The result of %1 is unreadable: %2.").arg(process->name.toLower(), why);
    else if (!process->contents.error.isEmpty())
        m_error = tr("The task failed in %1: %2")
                          .arg(process->name.toLower(), process->contents.error);
    else
        process->progress[0] = process->progress[1]; // done, whatever its last report said
}

// A worker that has written a first progress record holds its lock, and has exited once the lock
// is free. Before, only its pid tells (its lock file may be half made, and removeStaleLockFile()
// would take it away); the pid is looked at first, as the file is final once the process is gone.
bool Waiter::hasExited(Process *process)
{
    const bool runs = process->started || processRuns(process->pid);
    process->started = process->started || process->result->size() > 0;
    return process->started ? holderGone(process->file + LockSuffix) : !runs;
}

bool Waiter::allExited()
{
    for (const auto &process : m_processes) {
        process->exited = process->exited || hasExited(process.get());
        if (!process->exited)
            return false;
    }
    return true;
}

// Workers that did not stop in time (stopped, or blocked in the kernel) are killed, each only while
// it is provably still that worker: a pid that went to another process since is never hit.
void Waiter::killStuckWorkers()
{
    for (const auto &process : m_processes) {
        qint64 holder = 0;
        if (process->exited)
            continue;
        qCWarning(lcWaiter, "worker pid %lld did not stop within %lld s: ending it", process->pid,
                  qint64(StopTimeout.count()));
        killWorker(process->pid,
                   QLockFile(process->file + LockSuffix).getLockInfo(&holder, nullptr, nullptr)
                           && holder == process->pid,
                   process->token);
    }
}

void Waiter::finish()
{
    const double seconds = double(m_clock.nsecsElapsed()) / 1e9;
    if (isInterruptionRequested()) {
        qCInfo(lcWaiter, "cancelled");
        emit cancelled();
    } else if (!m_error.isEmpty()) {
        qCWarning(lcWaiter, "failed: %s", qUtf8Printable(m_error));
        emit failed(m_error);
    } else {
        QList<QByteArray> results;
        for (const auto &process : m_processes)
            results << std::move(process->contents.result);
        qCInfo(lcWaiter, "finished in %.3f s", seconds);
        emit progressChanged(1, 1); // a full bar, in any units
        emit succeeded(results, seconds);
        // This thread keeps its copy until the GUI thread has handled the signal (and the window
        // dropped its copy): a big result is then freed here, not in the GUI thread.
        const auto handled = [this] { m_handled.release(); };
        QMetaObject::invokeMethod(this, handled, Qt::QueuedConnection);
        m_handled.tryAcquire(1, std::chrono::milliseconds(StopTimeout).count());
    }
}

Waiter::Waiter(QObject *parent)
    : QThread(parent), m_program(QCoreApplication::applicationFilePath())
{
    setObjectName(QStringLiteral("waiter"));
}

Waiter::~Waiter()
{
    m_handled.release(); // the GUI thread waits here: it handles nothing more
    requestInterruption();
    wait();
}

void Waiter::setWorkerProgram(const QString &program)
{
    m_program = program;
}

bool Waiter::start(const QList<QStringList> &workerArguments)
{
    if (m_busy)
        return false; // one task at a time
    // finished(), on which the window enables Start, comes moments before the thread ends.
    wait();
    m_busy = true;
    m_arguments = workerArguments;
    QThread::start();
    if (isRunning() || isFinished())
        return true;
    m_busy = false; // no thread could be made
    return false;
}

void Waiter::cancel()
{
    requestInterruption();
    quit(); // wakes the waiting loop at once
}
