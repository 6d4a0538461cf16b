// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "worker.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDataStream>
#include <QDir>
#include <QFileSystemWatcher>
#include <QLocale>
#include <QLoggingCategory>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSocketNotifier>
#include <QStorageInfo>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTextStream>
#include <QTimer>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>

// Only for what Qt has nothing for: see processRuns() and the functions beside it.
#ifdef Q_OS_WIN
#include <io.h> // _isatty
#include <qt_windows.h> // OpenProcess, WaitForSingleObject, TerminateProcess
#else
#include <cerrno>
#include <signal.h> // kill
#include <sys/syscall.h> // SYS_pidfd_open: a descriptor that tells of a process's end (Linux)
#include <unistd.h> // isatty, syscall
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
    static const QString text = tr("adding up random numbers");
    QRandomGenerator random(input.seed);
    quint64 draws = 0;
    for (quint64 trial = 1; trial <= input.trials; ++trial) {
        double sum = 0;
        do {
            sum += random.generateDouble();
            ++draws;
        } while (sum <= 1.0);
        if (trial % (1 << 16) == 0) // about a millisecond of work
            progress(qint64(trial), qint64(input.trials), text);
    }
    return {double(draws) / double(input.trials), input.trials};
}

QString Task::describe(const TaskResult &result)
{
    return tr("e ≈ %1 from %2 trials")
            .arg(result.estimate, 0, 'f', 6)
            .arg(QLocale().toString(result.trials));
}

QDataStream &operator<<(QDataStream &out, const TaskInput &input)
{
    return out << input.trials << input.seed;
}

QDataStream &operator>>(QDataStream &in, TaskInput &input)
{
    return in >> input.trials >> input.seed;
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

constexpr auto TickInterval = 20ms; // how often a worker writes progress and looks for the app
// How often the waiter looks at its workers' progress, so that the window repaints it at most 20
// times a second; a worker's end wakes it at once (its lock file goes, or, killed, its pidfd).
constexpr auto PollInterval = 50ms;
constexpr auto PrintInterval = 250ms; // a worker in a terminal prints progress this often
constexpr auto StartTimeout = 10s; // for a worker whose pid runs but that never takes its lock
constexpr auto StopTimeout = 2s; // for stopped workers to exit, before they are killed

// The task's folder holds host.lock (held by the app while it wants results) and, for each worker,
// its result file NAME, NAME.input, NAME.lock (held by the worker all its life) and NAME.log.
const QString HostLock = QStringLiteral("host.lock");
const QLatin1String InputSuffix(".input"), LockSuffix(".lock"), LogSuffix(".log");

// Until the result replaces it, the result file holds the worker's progress, rewritten in place: a
// record of a fixed size that starts with a tag of its own, where a result starts with its magic.
const QByteArray ProgressTag = QByteArrayLiteral("LTP1");
constexpr qint64 ProgressSize = 512; // its text is cut to 200 characters to fit

// Data is written and read in pieces of this size: QDataStream takes an int, and the system call
// for each is short enough not to hold a core that the GUI thread may wait for.
constexpr qint64 Chunk = 1 << 20;

// Runs `function`; whatever it throws becomes `error`. Nothing may escape a thread.
template<typename Function>
bool guarded(Function function, QString *error)
{
    try {
        function();
        return true;
    } catch (const std::bad_alloc &) {
        *error = tr("out of memory");
    } catch (const std::exception &e) {
        *error = QString::fromLocal8Bit(e.what());
    } catch (...) {
        *error = tr("it threw something that is not a std::exception");
    }
    return false;
}

template<typename T>
QByteArray toBytes(const T &value)
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setVersion(DataFile::StreamVersion);
    out << value;
    return bytes;
}

// Qt tells why it cannot decode a value (an image over QImageReader's allocation limit, say) only
// in a warning: the last one that the decoding thread gets goes into the error.
thread_local QString *t_warning = nullptr;
QtMessageHandler qtHandler = nullptr;

void keepWarning(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (t_warning && type != QtDebugMsg && type != QtInfoMsg)
        *t_warning = message;
    qtHandler(type, context, message);
}

template<typename T>
T fromBytes(const QByteArray &bytes, const QString &notOfThisTask)
{
    static std::once_flag installed;
    std::call_once(installed, [] { qtHandler = qInstallMessageHandler(keepWarning); });
    T value;
    QString warning;
    QDataStream in(bytes);
    in.setVersion(DataFile::StreamVersion);
    t_warning = &warning;
    in >> value;
    t_warning = nullptr;
    if (in.status() == QDataStream::Ok && in.atEnd())
        return value;
    throw std::runtime_error(
            (warning.isEmpty() ? notOfThisTask : tr("%1 (%2)").arg(notOfThisTask, warning))
                    .toLocal8Bit()
                    .toStdString());
}

QByteArray progressRecord(qint64 done, qint64 total, const QString &text)
{
    QByteArray record = ProgressTag + toBytes(done) + toBytes(total) + toBytes(text.left(200));
    return record.append(ProgressSize - record.size(), '\0');
}

struct Progress
{
    qint64 done = 0;
    qint64 total = 0;
    QString text;
};

void readProgressRecord(const QByteArray &record, Progress *progress) // taken only whole
{
    Progress read;
    QDataStream in(record.mid(ProgressTag.size()));
    in.setVersion(DataFile::StreamVersion);
    in >> read.done >> read.total >> read.text;
    if (record.size() == ProgressSize && record.startsWith(ProgressTag)
        && in.status() == QDataStream::Ok)
        *progress = read;
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

// What a lock file says of its holder (its pid and its executable's name), to put it back with.
QByteArray wordsOf(const QString &lockPath)
{
    QFile lock(lockPath);
    return lock.open(QIODevice::ReadOnly) ? lock.read(1024) : QByteArray();
}

// Puts back a lock file as its holder wrote it (`words`), free: see Worker::stopNow().
void putBack(const QString &lockPath, const QByteArray &words)
{
    QFile lock(lockPath);
    if (lock.open(QIODevice::WriteOnly | QIODevice::NewOnly)
        && lock.setPermissions(QFile::ReadOwner | QFile::WriteOwner))
        lock.write(words);
}

// Qt can neither ask about nor end a process that it started detached (startDetached() gives a
// pid and nothing more), nor tell a terminal from a file: the machinery's one place past Qt.
bool onTerminal(FILE *stream)
{
#ifdef Q_OS_WIN
    return _isatty(_fileno(stream));
#else
    return isatty(fileno(stream));
#endif
}

bool processRuns(qint64 pid)
{
#ifdef Q_OS_WIN
    const HANDLE process = OpenProcess(SYNCHRONIZE, FALSE, DWORD(pid));
    const bool runs = process && WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
    if (process)
        CloseHandle(process);
    return runs;
#else
    // On Linux a zombie has ended too: it only waits for init to reap it, which can take a while.
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (stat.open(QIODevice::ReadOnly)) {
        const QByteArray line = stat.readAll();
        return line.mid(line.lastIndexOf(')') + 2, 1) != "Z";
    }
    return ::kill(pid_t(pid), 0) == 0 || errno == EPERM;
#endif
}

// Kills `pid` if it is still the worker that holds its lock (`holdsLock`) or, on Linux, whose
// command line holds `mark` (its arguments, each ended by a 0); elsewhere a worker stopped before
// its lock ends once it runs. True if it was killed.
bool killWorker(qint64 pid, bool holdsLock, const QByteArray &mark)
{
#ifdef Q_OS_WIN
    Q_UNUSED(mark);
    const HANDLE process = holdsLock ? OpenProcess(PROCESS_TERMINATE, FALSE, DWORD(pid)) : nullptr;
    const bool killed = process && TerminateProcess(process, 1);
    if (process)
        CloseHandle(process);
    return killed;
#else
    QFile commandLine(QStringLiteral("/proc/%1/cmdline").arg(pid));
    return (holdsLock
            || (commandLine.open(QIODevice::ReadOnly) && commandLine.readAll().contains(mark)))
            && ::kill(pid_t(pid), SIGKILL) == 0;
#endif
}

// A descriptor that turns readable when `pid` ends (a pidfd, Linux 5.3), else -1.
int openEndNotice(qint64 pid)
{
#ifdef SYS_pidfd_open
    return int(::syscall(SYS_pidfd_open, pid_t(pid), 0));
#else
    Q_UNUSED(pid);
    return -1;
#endif
}

// ---- The glue between the task and the machinery ------------------------------------------------

// The window's job: the task's types, met on the waiter thread only.
class TaskJob : public Job
{
public:
    TaskJob(const TaskInput &input, int workers)
        : m_input(input), m_results(Task::Splittable ? qMax(1, workers) : 1)
    {}
    int workerCount() const override { return int(m_results.size()); }
    QByteArray input(int index) override
    {
        return toBytes(workerCount() == 1 ? m_input : Task::share(m_input, index, workerCount()));
    }
    void readResult(int index, const QByteArray &result) override
    {
        m_results[index] = fromBytes<TaskResult>(result, tr("it is not a result of this task"));
    }
    QVariant result() override
    {
        return QVariant::fromValue(m_results.size() == 1 ? m_results[0] : Task::combine(m_results));
    }

private:
    TaskInput m_input;
    QList<TaskResult> m_results;
};
} // namespace

std::unique_ptr<Job> TaskGlue::newJob(const TaskInput &input, int workers)
{
    return std::make_unique<TaskJob>(input, workers);
}

QByteArray TaskGlue::run(const QCommandLineParser &parser, const QByteArray &input,
                         const Task::Progress &progress, QString *summary)
{
    TaskInput taskInput;
    QString error;
    if (!input.isEmpty())
        taskInput = fromBytes<TaskInput>(input, tr("it is not an input of this task"));
    else if (!Task::readOptions(parser, &taskInput, &error))
        throw std::invalid_argument(error.toLocal8Bit().toStdString());
    const TaskResult result = Task::run(taskInput, progress);
    *summary = Task::describe(result);
    return toBytes(result);
}

// ---- The files between the app and its workers --------------------------------------------------

bool DataFile::write(QIODevice *device, const Contents &contents)
{
    QDataStream out(device);
    out.setVersion(StreamVersion);
    out << Magic << FormatVersion << contents.token << contents.error
        << qint64(contents.data.size());
    for (qint64 done = 0; done < contents.data.size(); done += Chunk)
        out.writeRawData(contents.data.constData() + done,
                         int(qMin(Chunk, contents.data.size() - done)));
    return out.status() == QDataStream::Ok;
}

bool DataFile::read(QIODevice *device, const QByteArray &token, Contents *contents, QString *error)
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
        *error = tr("it is not a file of this program");
    else if (version != FormatVersion)
        *error = tr("it has format version %1, and this program reads %2")
                         .arg(version)
                         .arg(FormatVersion);
    else if ((in >> contents->token).status() == QDataStream::Ok && contents->token != token)
        *error = tr("it is a file of another run"); // known before any of its data is read
    // A length is trusted only once its bytes are there (QDataStream reads a string in 1 MiB
    // steps); the data is allocated exactly, and data too big for memory is an error, not a crash.
    else if ((in >> contents->error >> size).status() == QDataStream::Ok
             && (size < 0 || size > device->bytesAvailable()))
        in.setStatus(QDataStream::ReadPastEnd);
    else if (in.status() == QDataStream::Ok
             && !guarded([&] { contents->data = QByteArray(size, Qt::Uninitialized); }, error))
        *error = tr("it is %1, more than this machine can give")
                         .arg(QLocale().formattedDataSize(size));
    else
        for (qint64 done = 0; done < size && in.status() == QDataStream::Ok; done += Chunk)
            in.readRawData(contents->data.data() + done, int(qMin(Chunk, size - done)));
    if (!error->isEmpty())
        return false;
    if (in.status() == QDataStream::ReadPastEnd)
        *error = tr("the file is cut short");
    else if (in.status() != QDataStream::Ok)
        *error = tr("the file is corrupt");
    else if (!in.atEnd())
        *error = tr("it has unexpected bytes after its data");
    return error->isEmpty();
}

// ---- The worker process -------------------------------------------------------------------------

void Worker::addOptions(QCommandLineParser &parser)
{
    parser.addOptions(
            {{QStringLiteral("worker"), tr("Run the task here, without a window.")},
             {QStringLiteral("input"),
              tr("With --worker: the task's input is in <file>, which the app wrote."),
              QStringLiteral("file")},
             {QStringLiteral("result"),
              tr("With --worker: write the result into <file>, which must exist, and stop as "
                 "soon as its name goes or nobody holds host.lock beside it."),
              QStringLiteral("file")},
             {QStringLiteral("token"),
              tr("With --worker: the word that marks the input and the result as this run's."),
              QStringLiteral("word")}});
}

Worker::Worker(const QCommandLineParser &parser, Job job)
    : m_inputFile(parser.value(QStringLiteral("input"))),
      m_resultFile(parser.value(QStringLiteral("result"))),
      m_token(parser.value(QStringLiteral("token")).toUtf8()), m_job(std::move(job))
{}

int Worker::exec()
{
    if (!m_resultFile.isEmpty() && !openResultFile())
        return ExitIoError;
    tick(); // a first progress record tells the waiter that this worker runs
    QThread *thread = QThread::create([this] { work(); });
    thread->setParent(this);
    connect(thread, &QThread::finished, this, &Worker::finish);
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, this, &Worker::tick);
    ticker.start(TickInterval);
    m_printed.start();
    thread->start();
    if (!thread->isRunning() && !thread->isFinished()) {
        m_contents.error = tr("cannot create a thread for the task (out of memory or threads?)");
        QTimer::singleShot(0, this, &Worker::finish);
    }
    return QCoreApplication::exec();
}

// The job's thread. It reads the input too: the main thread must go on watching the app.
void Worker::work()
{
    const auto progress = [this](qint64 done, qint64 total, const QString &text) {
        const QMutexLocker locker(&m_progressMutex);
        m_done = done;
        m_total = total;
        m_text = text;
    };
    QByteArray input;
    if (!m_inputFile.isEmpty() && !readInput(&input)) {
        m_exitCode = ExitIoError;
        return;
    }
    if (!guarded([&] { m_contents.data = m_job(input, progress, &m_summary); }, &m_contents.error)
        && m_contents.error.isEmpty())
        m_contents.error = tr("the task failed without saying why");
}

// The input is trusted no more than a result is.
bool Worker::readInput(QByteArray *input)
{
    const QFileInfo info(m_inputFile);
    QFile file(m_inputFile);
    DataFile::Contents contents;
    QString why;
    if (info.isSymLink() || !info.isFile())
        why = tr("it is not a regular file");
    else if (!file.open(QIODevice::ReadOnly))
        why = file.errorString();
    else if (DataFile::read(&file, m_token, &contents, &why))
        *input = std::move(contents.data);
    if (!why.isEmpty())
        m_contents.error = tr("its input %1 is unusable: %2").arg(m_inputFile, why);
    return why.isEmpty();
}

// Takes the worker's lock and opens the result file: only the file the app made, never through a
// symlink, never a pipe that would block.
bool Worker::openResultFile()
{
    const QFileInfo result(m_resultFile);
    m_hostLock = result.dir().filePath(HostLock);
    m_hostWords = wordsOf(m_hostLock); // to be put back if the app dies: see stopNow()
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
    const QMutexLocker locker(&m_progressMutex);
    if (m_hostLock.isEmpty())
        return printProgress(); // a worker without --result runs alone, maybe in a terminal
    if (!m_result.isOpen()) // its result is written: the folder is the app's alone to remove
        return;
    if (m_result.seek(0) && m_result.write(progressRecord(m_done, m_total, m_text)) == ProgressSize)
        m_result.flush();
    if (!QFileInfo::exists(m_resultFile) || !QFileInfo::exists(m_hostLock))
        stopNow("the app cancelled the task or quit");
    if (QLockFile(m_hostLock).removeStaleLockFile()) // the app holds it no more
        stopNow("the app died", true);
}

void Worker::printProgress(bool last)
{
    if (m_total <= 0 || (!last && !m_printed.hasExpired(PrintInterval.count())))
        return;
    m_printed.start();
    QString line = tr("%1% (%L2 of %L3)").arg(m_done * 100 / m_total).arg(m_done).arg(m_total);
    if (!m_text.isEmpty())
        line += QLatin1String(": ") + m_text;
    if (onTerminal(stderr))
        QTextStream(stderr) << '\r' << line.leftJustified(79, u' ', true) << (last ? "\n" : "");
    else
        QTextStream(stderr) << line << '\n';
}

void Worker::finish()
{
    tick(); // a result for an app that is gone would be left behind
    const int exitCode = m_contents.error.isEmpty() ? ExitOk : m_exitCode;
    if (exitCode == ExitOk) {
        m_done = m_total; // its last report may have come before the end
        QTextStream(stdout) << m_summary << Qt::endl;
    } else {
        qCCritical(lcWorker, "the task failed: %s", qUtf8Printable(m_contents.error));
    }
    if (!m_lock) {
        printProgress(true);
    } else {
        m_contents.token = m_token;
        if (!m_result.resize(0) || !m_result.seek(0) || !DataFile::write(&m_result, m_contents)
            || !m_result.flush()) {
            qCCritical(lcWorker, "cannot write the result to %s: %s",
                       qUtf8Printable(m_result.fileName()), qUtf8Printable(m_result.errorString()));
            std::_Exit(ExitIoError); // its lock left taken, as by a crash: there is no result
        }
        m_result.close(); // tick() touches nothing of the folder's from now on
        m_lock->unlock(); // tells the waiter that the result is there
    }
    QCoreApplication::exit(exitCode);
}

void Worker::stopNow(const char *why, bool appDied)
{
    qCInfo(lcWorker, "stopping: %s", why);
    for (const QString &suffix : {QString(), QString(InputSuffix), QString(LogSuffix)})
        QFile::remove(m_resultFile + suffix); // the app's files for this worker, never --input's
    m_lock->unlock();
    // Every stopping worker tries to remove the task's folder. If the app died, its lock goes back
    // as the app wrote it (free): the next Start's sweep knows the folder for this program's, and
    // dead, until the last worker removes it with the folder.
    if (appDied)
        putBack(m_hostLock, m_hostWords);
    QDir folder = QFileInfo(m_hostLock).dir();
    if (folder.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System)
        == QStringList {HostLock})
        QLockFile(m_hostLock).removeStaleLockFile(); // only if the app is gone
    folder.rmdir(folder.path()); // only if empty
    // The job's thread may be deep in work that checks no flag: returning from main() would abort.
    std::_Exit(ExitHostGone);
}

// ---- The waiter ---------------------------------------------------------------------------------

namespace {
const QString FolderPrefix = QStringLiteral(APP_NAME "-");

const QRegularExpression TaskFileName(QRegularExpression::anchoredPattern(
        QStringLiteral(R"(host\.lock|worker-[0-9]+\.[A-Za-z0-9]{6}(\.input|\.lock|\.log)?)")));

// True if the lock file at `path` was written by a process of `program` (QLockFile writes the
// name of the holder's executable; on Windows without .exe), whose pid goes into `pid`.
bool lockedBy(const QString &path, const QString &program, qint64 *pid = nullptr)
{
    QString name;
    const QFileInfo binary(program);
    return QLockFile(path).getLockInfo(pid, nullptr, &name)
            && (name == binary.fileName() || name == binary.completeBaseName());
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
    // Starting until its first progress record (it then holds its lock), Running until its lock
    // is free again (or, before it took it, its pid is gone). Only update() moves it on.
    enum State { Starting, Running, Ended } state = Starting;
    bool collected = false; // its result is read, and handed to the job
    bool unlocked = false; // it ended by freeing its lock, after it wrote its result
    QString name; // for messages: "The worker (pid 12)", "Worker 2 of 3 (pid 12)"
    QString file; // its result file's name; its other files add a suffix
    std::unique_ptr<QTemporaryFile> result; // its destruction removes the file
    QFile input; // open till the end, as the result: see run()
    QByteArray token;
    qint64 pid = 0;
    Progress progress; // as its last record said
    QFile endNotice; // owns openEndNotice()'s descriptor, where there is one
    std::unique_ptr<QSocketNotifier> ended; // on it: wakes the waiter when the process ends
};

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

bool Waiter::start(std::unique_ptr<Job> job)
{
    if (m_busy)
        return false; // one task at a time
    // finished(), on which the window enables Start, comes moments before the thread ends.
    wait();
    m_busy = true;
    m_job = m_makeJob ? m_makeJob(job->workerCount()) : std::move(job);
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

void Waiter::setWorkerProgram(const QString &program, const JobMaker &makeJob)
{
    m_program = program;
    m_makeJob = makeJob;
}

void Waiter::run()
{
    m_clock.start();
    m_lastProgress = {};
    m_handled.tryAcquire(m_handled.available()); // a late release of the last task
    // A private folder (0700). tempPath() is empty when TMPDIR names no folder: not in / then.
    const QString temp = QDir::tempPath();
    std::optional<QTemporaryDir> folder;
    if (!temp.isEmpty())
        folder.emplace(temp + u'/' + FolderPrefix + QLatin1String("XXXXXX"));
    QFileSystemWatcher watcher; // closing it can take the kernel 20 ms: not before finish()
    QString error;
    if (folder && folder->isValid())
        error = runIn(folder->path(), &watcher);
    else
        error = tr("Cannot create a folder for the task's files in %1: %2. Point TMPDIR at a "
                   "writable folder.")
                        .arg(temp.isEmpty() ? qEnvironmentVariable("TMPDIR") : temp,
                             folder ? folder->errorString() : tr("there is no such folder"));
    folder.reset(); // nothing is left once the task is told
    finish(error);
    m_processes.clear(); // the pages of big files, which the kernel takes a while to free, go here
    m_job.reset(); // a big input or result is freed here, never in the GUI thread
    m_busy = false;
}

QString Waiter::runIn(const QString &folder, QFileSystemWatcher *watcher)
{
    QLockFile host(folder + u'/' + HostLock);
    host.setStaleLockTime(0);
    if (!host.tryLock(0)) // the workers run while this thread holds it
        return tr("Cannot create a lock file in %1: %2.").arg(folder, whyNotMade(host.fileName()));
    QFile::setPermissions(host.fileName(), QFile::ReadOwner | QFile::WriteOwner);
    removeDeadTaskFolders(QFileInfo(folder).ownerId(), watcher);
    watcher->addPath(folder); // wakes the loop when a worker's lock comes or goes
    QString error;
    while (error.isEmpty() && int(m_processes.size()) < m_job->workerCount()
           && !isInterruptionRequested())
        error = startWorker(folder, int(m_processes.size()));
    if (error.isEmpty() && !isInterruptionRequested()) {
        QList<qint64> pids;
        for (const auto &process : m_processes)
            pids << process->pid;
        emit workersStarted(pids);
        loopUntil(watcher, [&] { return checkWorkers(&error); });
    }
    // A worker still at work stops as its files' names go (their data stays open here). host.lock
    // goes last: whenever the app is killed, its folder is one that the next sweep proves dead.
    for (const auto &process : m_processes) {
        QFile::remove(process->file);
        QFile::remove(process->file + InputSuffix);
    }
    stopWorkers(watcher);
    for (const auto &process : m_processes) {
        QFile::remove(process->file + LogSuffix);
        QFile::remove(process->file + LockSuffix); // a killed worker's
    }
    return error;
}

// Task folders of killed apps. TMPDIR is hostile: only a folder that is provably this program's
// and dead is touched (its exact name, a real directory owned by `owner`, a regular host.lock that
// this program wrote and that nobody holds), and only files of this program's names in it go. An
// empty one (its app was killed as it removed it) goes as it is: rmdir takes nothing else.
void Waiter::removeDeadTaskFolders(uint owner, QFileSystemWatcher *watcher)
{
    static const QRegularExpression folderName(QRegularExpression::anchoredPattern(
            QRegularExpression::escape(FolderPrefix) + QStringLiteral("[A-Za-z0-9]{6}")));
    const QFileInfoList folders = QDir(QDir::tempPath())
                                          .entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot
                                                         | QDir::NoSymLinks | QDir::Hidden);
    for (const QFileInfo &folder : folders) {
        if (folderName.match(folder.fileName()).hasMatch() && folder.ownerId() == owner
            && (QDir().rmdir(folder.filePath())
                || removeDeadTaskFolder(QDir(folder.filePath()), owner, watcher)))
            qCInfo(lcWaiter, "removed %s, left by an app that was killed",
                   qUtf8Printable(folder.filePath()));
    }
}

// The lock is taken while the folder is looked at: no other sweep touches it meanwhile, and should
// this app die, the lock names this program for the next.
bool Waiter::removeDeadTaskFolder(const QDir &folder, uint owner, QFileSystemWatcher *watcher)
{
    const QFileInfo hostFile(folder.filePath(HostLock));
    QLockFile host(hostFile.filePath());
    host.setStaleLockTime(0);
    if (hostFile.isSymLink() || !hostFile.isFile() || hostFile.ownerId() != owner
        || !lockedBy(hostFile.filePath(), QCoreApplication::applicationFilePath())
        || !host.tryLock(0))
        return false;
    const QFileInfoList files = folder.entryInfoList(QDir::Files | QDir::Hidden | QDir::System);
    if (!endHeldWorkers(files, watcher)) {
        qCWarning(lcWaiter, "left %s alone: a lock in it is held", qUtf8Printable(folder.path()));
        const QByteArray ours = wordsOf(hostFile.filePath());
        host.unlock();
        putBack(hostFile.filePath(), ours);
        return false;
    }
    for (const QFileInfo &file : files) {
        if (file.fileName() != HostLock && TaskFileName.match(file.fileName()).hasMatch()
            && !file.isSymLink())
            QFile::remove(file.filePath());
    }
    host.unlock();
    return folder.rmdir(folder.path());
}

// A dead app's workers that still hold their locks (stopped, say) are killed, but only if every
// held lock names the worker program and (on Linux) its pid's command line names the lock's result
// file: a lock's holder need not be the pid it names. True once no lock among `files` is held.
bool Waiter::endHeldWorkers(const QFileInfoList &files, QFileSystemWatcher *watcher)
{
    QList<std::pair<QString, qint64>> held; // a lock, and the pid it names
    for (const QFileInfo &file : files) {
        qint64 pid = 0;
        if (!file.fileName().endsWith(LockSuffix) || file.fileName() == HostLock
            || !TaskFileName.match(file.fileName()).hasMatch() || file.isSymLink()
            || holderGone(file.filePath()))
            continue;
        if (!lockedBy(file.filePath(), m_program, &pid))
            return false;
        held.append({file.filePath(), pid});
    }
    for (const auto &[lock, pid] : held) {
        const QString result = lock.chopped(LockSuffix.size());
        if (!killWorker(pid, false,
                        "--result" + QByteArray(1, '\0') + QFile::encodeName(result) + '\0'))
            return false;
        qCWarning(lcWaiter, "ended worker pid %lld of an app that was killed", pid);
    }
    const auto allFree = [&held] {
        return std::all_of(held.cbegin(), held.cend(),
                           [](const auto &lock) { return holderGone(lock.first); });
    };
    loopUntil(
            watcher, [&] { return allFree() || isInterruptionRequested(); },
            QDeadlineTimer(StopTimeout));
    return allFree();
}

QString Waiter::startWorker(const QString &folder, int index)
{
    auto process = std::make_unique<Process>();
    process->result = std::make_unique<QTemporaryFile>(
            QStringLiteral("%1/worker-%2.XXXXXX").arg(folder).arg(index + 1));
    if (!process->result->open() || process->result->fileName().isEmpty()) // left nameless
        return tr("Cannot create a result file in %1: %2.")
                .arg(folder, whyNotMade(process->result->fileTemplate()));
    process->file = process->result->fileName();
    process->token = QByteArray::number(QRandomGenerator::system()->generate64(), 36);
    QFile log(process->file + LogSuffix); // made here to be 0600, as every file of the task
    if (!log.open(QIODevice::WriteOnly | QIODevice::NewOnly)
        || !log.setPermissions(QFile::ReadOwner | QFile::WriteOwner))
        return tr("Cannot create a log file in %1: %2.").arg(folder, log.errorString());
    if (const QString error = writeInput(*process, index); !error.isEmpty())
        return error;
    QProcess starter;
    starter.setProgram(m_program);
    starter.setArguments({QStringLiteral("--worker"), QStringLiteral("--input"),
                          process->file + InputSuffix, QStringLiteral("--result"), process->file,
                          QStringLiteral("--token"), QString::fromLatin1(process->token)});
    starter.setStandardOutputFile(log.fileName(), QIODevice::Append);
    starter.setStandardErrorFile(log.fileName(), QIODevice::Append);
    if (!starter.startDetached(&process->pid))
        return tr("Cannot start the worker %1: %2.").arg(m_program, whyNotStarted(starter));
    if (const int fd = openEndNotice(process->pid);
        fd >= 0 && process->endNotice.open(fd, QIODevice::ReadOnly, QFile::AutoCloseHandle)) {
        QSocketNotifier *ended = new QSocketNotifier(fd, QSocketNotifier::Read);
        process->ended.reset(ended);
        connect(ended, &QSocketNotifier::activated, ended, [this, ended] {
            ended->setEnabled(false); // it stays readable
            quit();
        });
    }
    const int count = m_job->workerCount();
    process->name = count == 1
            ? tr("The worker (pid %1)").arg(process->pid)
            : tr("Worker %1 of %2 (pid %3)").arg(index + 1).arg(count).arg(process->pid);
    qCInfo(lcWaiter, "started %s: %s", qUtf8Printable(process->name.toLower()),
           qUtf8Printable(shellQuoted(QStringList {m_program} + starter.arguments())));
    m_processes.push_back(std::move(process));
    return {};
}

// A worker's part of the input, serialized here and handed over in a file: no command line would
// carry it, whatever its size.
QString Waiter::writeInput(Process &process, int index)
{
    DataFile::Contents contents {process.token, {}, {}};
    QString why;
    if (!guarded([&] { contents.data = m_job->input(index); }, &why))
        return tr("The task's input could not be prepared: %1.").arg(why);
    QFile &input = process.input;
    input.setFileName(process.file + InputSuffix);
    if (!input.open(QIODevice::WriteOnly | QIODevice::NewOnly)
        || !input.setPermissions(QFile::ReadOwner | QFile::WriteOwner)
        || !DataFile::write(&input, contents) || !input.flush())
        return tr("Cannot write the input file %1: %2.").arg(input.fileName(), input.errorString());
    return {};
}

// Runs the thread's event loop until `done` is true, looking each time the folder changes or a
// worker ends (startWorker()) and every PollInterval. cancel() quits the loop, even one yet to
// start (QThread::exec() then returns at once), and `done` says whether that ends the wait.
bool Waiter::loopUntil(QFileSystemWatcher *watcher, const std::function<bool()> &done,
                       QDeadlineTimer deadline)
{
    QTimer ticker;
    const auto check = [&] {
        if (done() || deadline.hasExpired())
            quit();
    };
    connect(&ticker, &QTimer::timeout, &ticker, check);
    connect(watcher, &QFileSystemWatcher::directoryChanged, &ticker, check);
    ticker.start(PollInterval);
    while (!done() && !deadline.hasExpired())
        exec();
    return done();
}

// The one place where a worker's state moves on. Its pid is looked at before its file: once the
// process is gone, the file is final. Before its first record only the pid tells (its lock file may
// be half made, and removeStaleLockFile() would take it away).
void Waiter::update(Process *process)
{
    if (process->state == Process::Starting) {
        const bool runs = processRuns(process->pid);
        if (process->result->size() > 0)
            process->state = Process::Running;
        else if (!runs)
            process->state = Process::Ended;
    }
    if (process->state == Process::Running) {
        process->unlocked = !QFileInfo::exists(process->file + LockSuffix);
        if (process->unlocked || holderGone(process->file + LockSuffix))
            process->state = Process::Ended;
    }
    if (process->state == Process::Running && process->result->seek(0))
        readProgressRecord(process->result->read(ProgressSize), &process->progress);
}

// True once the task is decided: every worker delivered, one failed (`error` says why, once), or
// Cancel was pressed.
bool Waiter::checkWorkers(QString *error)
{
    bool allCollected = true;
    for (int index = 0; index < int(m_processes.size()) && error->isEmpty(); ++index) {
        Process *process = m_processes[index].get();
        update(process);
        if (process->state == Process::Ended && !process->collected)
            *error = collect(process, index);
        else if (process->state == Process::Starting && m_clock.hasExpired(StartTimeout / 1ms))
            *error = tr("%1 did not start within %2 s. %3")
                             .arg(process->name)
                             .arg(StartTimeout.count())
                             .arg(lastWords(process->file));
        if (!error->isEmpty()) {
            *error += diskFullNote(process->file);
            keepInput(*process);
        }
        allCollected = allCollected && process->collected;
    }
    if (!allCollected && error->isEmpty())
        reportProgress();
    return allCollected || !error->isEmpty() || isInterruptionRequested();
}

// Reads the result of a worker that has ended, and hands it to the job, which decodes it here.
QString Waiter::collect(Process *process, int index)
{
    QTemporaryFile *file = process->result.get();
    const QString name = process->name.toLower();
    DataFile::Contents contents;
    QString why;
    const bool noResult = !file->seek(0) || file->peek(ProgressTag.size()) == ProgressTag;
    if (process->unlocked && (file->size() == 0 || noResult))
        return tr("%1 finished, but its result file changed after that: another program emptied "
                  "it or wrote over it.")
                .arg(process->name);
    if (file->size() == 0)
        return tr("%1 ended before it started its task. %2")
                .arg(process->name, lastWords(process->file));
    if (noResult)
        return tr("%1 stopped without writing a result: it crashed, aborted, exited early or was "
                  "killed. %2")
                .arg(process->name, lastWords(process->file));
    if (!DataFile::read(file, process->token, &contents, &why))
        return tr("The result of %1 is unreadable: %2.").arg(name, why);
    if (!contents.error.isEmpty())
        return tr("The task failed in %1: %2").arg(name, contents.error);
    if (!guarded([&] { m_job->readResult(index, contents.data); }, &why))
        return tr("The result of %1 could not be read: %2.").arg(name, why);
    process->collected = true;
    process->progress.done = process->progress.total; // whatever its last record said
    return {};
}

// The workers' progress, summed, with the text of the first that is still at work: sent when it
// changed, for the window repaints on each.
void Waiter::reportProgress()
{
    Progress sum;
    for (const auto &process : m_processes) {
        sum.done += process->progress.done;
        sum.total += process->progress.total;
        if (sum.text.isEmpty() && !process->collected)
            sum.text = process->progress.text;
    }
    const auto now = std::tie(sum.done, sum.total, sum.text);
    if (sum.total <= 0 || now == m_lastProgress)
        return;
    m_lastProgress = now;
    emit progressChanged(sum.done, sum.total, sum.text);
}

// Waits for every worker to end, and kills those that did not in time (stopped, or blocked in the
// kernel), each only while it is provably still that worker: a pid that went to another process
// since is never hit.
void Waiter::stopWorkers(QFileSystemWatcher *watcher)
{
    const auto allEnded = [this] {
        bool all = true;
        for (const auto &process : m_processes) {
            update(process.get());
            all = all && process->state == Process::Ended;
        }
        return all;
    };
    if (loopUntil(watcher, allEnded, QDeadlineTimer(StopTimeout)))
        return;
    for (const auto &process : m_processes) {
        qint64 holder = 0;
        if (process->state == Process::Ended)
            continue;
        qCWarning(lcWaiter, "worker pid %lld did not stop within %lld s: ending it", process->pid,
                  qint64(StopTimeout.count()));
        killWorker(process->pid,
                   QLockFile(process->file + LockSuffix).getLockInfo(&holder, nullptr, nullptr)
                           && holder == process->pid,
                   QByteArray("--token") + '\0' + process->token + '\0');
    }
}

// With --keep-input, a failed worker's input is copied out of the task's folder (which goes), and
// the log tells how to replay it.
void Waiter::keepInput(const Process &process)
{
    if (m_keepFolder.isEmpty())
        return;
    const QString token = QString::fromLatin1(process.token);
    const QString kept = QDir(m_keepFolder).absoluteFilePath(FolderPrefix + token + InputSuffix);
    if (QFile::copy(process.file + InputSuffix, kept))
        qCWarning(lcWaiter, "kept the input of %s; to replay it: %s",
                  qUtf8Printable(process.name.toLower()),
                  qUtf8Printable(shellQuoted({m_program, QStringLiteral("--worker"),
                                              QStringLiteral("--input"), kept,
                                              QStringLiteral("--token"), token})));
    else
        qCWarning(lcWaiter, "cannot keep the input of %s in %s", qUtf8Printable(token),
                  qUtf8Printable(m_keepFolder));
}

void Waiter::finish(QString error)
{
    const double seconds = double(m_clock.nsecsElapsed()) / 1e9;
    QVariant result;
    if (error.isEmpty() && !isInterruptionRequested()
        && !guarded([&] { result = m_job->result(); }, &error))
        error = tr("The workers' results could not be combined: %1.").arg(error);
    if (isInterruptionRequested()) {
        qCInfo(lcWaiter, "cancelled");
        emit cancelled();
    } else if (!error.isEmpty()) {
        qCWarning(lcWaiter, "failed: %s", qUtf8Printable(error));
        emit failed(error);
    } else {
        qCInfo(lcWaiter, "finished in %.3f s", seconds);
        emit progressChanged(1, 1, QString()); // a full bar, in any units
        emit succeeded(result, seconds);
        // This thread keeps its copy until the GUI thread has handled the signal (and the window
        // dropped its copy): a big result is then freed here, not in the GUI thread.
        const auto handled = [this] { m_handled.release(); };
        QMetaObject::invokeMethod(this, handled, Qt::QueuedConnection);
        m_handled.tryAcquire(1, std::chrono::milliseconds(StopTimeout).count());
    }
}
