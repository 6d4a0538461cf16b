// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "worker.h"

#include <QBuffer>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDataStream>
#include <QDir>
#include <QEventLoop>
#include <QLocale>
#include <QLockFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <utility>

#ifdef Q_OS_WIN // for processRuns() and leaveProcess()
#include <qt_windows.h>
#else
#include <signal.h>
#endif

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
    bool trialsOk = true, seedOk = true;
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

QList<TaskInput> Task::split(const TaskInput &input, int count)
{
    if (count == 1)
        return {input}; // the same estimate as `--worker` gives for these options
    QList<TaskInput> parts;
    for (int index = 0; index < count && quint64(index) < input.trials; ++index) {
        TaskInput part;
        part.trials = input.trials / count + (quint64(index) < input.trials % count ? 1 : 0);
        std::seed_seq sequence {input.seed, quint32(index)}; // a random stream of its own per part
        part.seed = QRandomGenerator(sequence).generate();
        parts << part;
    }
    return parts;
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
    progress(qint64(input.trials), qint64(input.trials), text);
    return {double(draws) / double(input.trials), input.trials};
}

QString Task::describe(const TaskResult &result)
{
    return tr("e ≈ %1 from %2 trials")
            .arg(result.estimate, 0, 'f', 6)
            .arg(QLocale().toString(result.trials));
}
// ==== YOUR TASK: END =============================================================================

namespace {
constexpr quint32 Magic = 0x4C545233; // "LTR3"
constexpr quint16 FormatVersion = 5;
constexpr int StreamVersion = QDataStream::Qt_6_0; // pinned: old and new Qt read the same
constexpr int TickMs = 50; // how often the waiter and the workers look at each other
constexpr int StartTimeoutMs = 30'000; // for a worker to take its lock
constexpr int KillAfterMs = 1'000; // for a worker to end once told to
enum ResultState : quint8 { NoResult, Done, Failed };

const QString FolderPrefix = QStringLiteral(APP_NAME "-");
const QString HostLock = QStringLiteral("host.lock");
const QLatin1String InputSuffix(".input"), LockSuffix(".lock"), ProgressSuffix(".progress"),
        ResultSuffix(".result"), LogSuffix(".log");
const QRegularExpression
        FileName(QStringLiteral("^(host|\\d+)\\.(input|lock|progress|result|log)$"));

// An exception from a task, or from splitting, decoding or combining, becomes `what` with its
// text, never a crash; else the function's own error, or nothing.
template<typename Function>
QString guarded(const QString &what, Function function)
{
    try {
        return function();
    } catch (const std::exception &exception) {
        return what.arg(QString::fromUtf8(exception.what()));
    } catch (...) {
        return what.arg(tr("an unknown exception"));
    }
}

// True while a process holds the lock; a lock left by a process that ended is removed. One that
// names no holder yet is being taken (Qt writes the pid once it holds it): it is held.
bool isHeld(const QString &lockFile)
{
    QLockFile lock(lockFile);
    return QFileInfo::exists(lockFile)
            && (!lock.getLockInfo(nullptr, nullptr, nullptr) || !lock.removeStaleLockFile());
}

// Qt starts a detached process, but can neither ask about it nor end it. True if `pid` runs.
bool processRuns(qint64 pid, bool kill = false)
{
#ifdef Q_OS_WIN
    const HANDLE process = OpenProcess(SYNCHRONIZE | PROCESS_TERMINATE, FALSE, DWORD(pid));
    const bool runs = process && WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
    if (runs && kill)
        TerminateProcess(process, 1);
    if (process)
        CloseHandle(process);
    return runs;
#else
    return ::kill(pid_t(pid), kill ? SIGKILL : 0) == 0;
#endif
}

// The task's types behind the waiter's blind Job.
class TaskJob : public Job
{
public:
    explicit TaskJob(const TaskInput &input) : m_input(input) {}
    int split(int count) override
    {
        m_parts = Task::split(m_input, count);
        m_results.resize(m_parts.size());
        return int(m_parts.size());
    }
    void writeInput(int part, QDataStream &out) override
    {
        out << std::exchange(m_parts[part], {});
    }
    void readResult(int part, QDataStream &in) override { in >> m_results[part]; }
    QVariant result() override { return QVariant::fromValue(Task::combine(m_results)); }

private:
    TaskInput m_input;
    QList<TaskInput> m_parts;
    QList<TaskResult> m_results;
};
} // namespace

int leaveProcess(int exitCode)
{
#if defined(Q_OS_WIN) && defined(Q_CC_MINGW)
    std::fflush(nullptr);
    TerminateProcess(GetCurrentProcess(), UINT(exitCode)); // no DLL unloads: they would hang
#endif
    return exitCode;
}

std::unique_ptr<Job> TaskGlue::newJob(const TaskInput &input)
{
    return std::make_unique<TaskJob>(input);
}

QString TaskGlue::work(const QCommandLineParser &options, QDataStream &in, QDataStream &out,
                       const Progress &progress)
{
    TaskInput input;
    QString error;
    if (in.atEnd() && !Task::readOptions(options, &input, &error)) // in a terminal
        throw std::runtime_error(error.toStdString());
    if (!in.atEnd() && (in >> input).status() != QDataStream::Ok)
        throw std::runtime_error(tr("its input does not decode").toStdString());
    const TaskResult result = Task::run(input, progress);
    out << result;
    return Task::describe(result);
}

// ---- The files between the app and its workers --------------------------------------------------

void DataFile::writeHeader(QDataStream &out, const QByteArray &token)
{
    out.setVersion(StreamVersion);
    out << Magic << FormatVersion << token;
}

QString DataFile::readHeader(QDataStream &in, QByteArray *token)
{
    in.setVersion(StreamVersion);
    quint32 magic = 0;
    quint16 version = 0;
    if ((in >> magic >> version).status() != QDataStream::Ok)
        return tr("is empty or cut short");
    if (magic != Magic || version != FormatVersion)
        return tr("is not a file of this program, or of another version of it");
    return (in >> *token).status() == QDataStream::Ok ? QString() : tr("is cut short");
}

QString DataFile::readResult(QIODevice *file, const QByteArray &token,
                             const std::function<void(QDataStream &)> &decode)
{
    QDataStream in(file);
    QByteArray itsToken;
    quint8 state = NoResult;
    QString message;
    if (file->size() == 0)
        return tr("ended without a result");
    if (const QString error = readHeader(in, &itsToken); !error.isEmpty())
        return tr("left a result file that %1").arg(error);
    if (itsToken != token)
        return tr("left a result file of another task");
    in >> state;
    if (state == Failed && (in >> message).status() == QDataStream::Ok)
        return tr("failed: %1").arg(message);
    if (state != Done)
        return tr("ended without a result");
    const QString error = guarded(tr("left a result that does not decode: %1"),
                                  [&] { return decode(in), QString(); });
    if (error.isEmpty() && (in.status() != QDataStream::Ok || !in.atEnd()))
        return tr("left a result that does not decode: it is cut short or not of this task");
    return error;
}

// ---- The worker process -------------------------------------------------------------------------

Worker::Worker(const QString &inputFile, Work work)
    : m_files(inputFile.chopped(inputFile.endsWith(InputSuffix) ? InputSuffix.size() : 0)),
      m_work(std::move(work)), m_lock(m_files + LockSuffix)
{
    m_lock.setStaleLockTime(0); // a task may run for days
}

int Worker::exec()
{
    QBuffer terminalInput, terminalResult; // without the app: none, and the task's options
    QFile inputFile(m_files + InputSuffix), resultFile(m_files + ResultSuffix);
    const bool forApp = !m_files.isEmpty();
    QIODevice *input = forApp ? static_cast<QIODevice *>(&inputFile) : &terminalInput;
    QIODevice *result = forApp ? static_cast<QIODevice *>(&resultFile) : &terminalResult;
    // The lock first: from now on the app knows whether this process lives.
    if (forApp && !m_lock.tryLock(0))
        m_error = tr("cannot lock %1").arg(QDir::toNativeSeparators(m_lock.fileName()));
    else if (!input->open(QIODevice::ReadOnly))
        m_error = tr("cannot read its input: %1").arg(input->errorString());
    else if (!result->open(QIODevice::WriteOnly))
        m_error = tr("cannot write its result: %1").arg(result->errorString());
    if (m_error.isEmpty()) { // the work on a thread of its own, the main thread ticking beside it
        std::unique_ptr<QThread> thread(QThread::create([=] { work(input, result); }));
        QEventLoop loop;
        QObject::connect(thread.get(), &QThread::finished, &loop, &QEventLoop::quit);
        QTimer timer;
        QObject::connect(&timer, &QTimer::timeout, &loop, [this] { tick(); });
        timer.start(TickMs);
        m_printed.start();
        thread->start();
        loop.exec();
        tick(); // the last progress
    }
    input->close(); // before the lock goes in finish(): the app then removes the files
    finish(result);
    return m_error.isEmpty() ? ExitOk : ExitFailed;
}

// On the work's thread. The result file says that the result is there only once it is written.
void Worker::work(QIODevice *input, QIODevice *result)
{
    QDataStream in(input), out(result); // their version: the headers' (in a terminal, any)
    if (QByteArray token; !m_files.isEmpty()) {
        if (m_error = DataFile::readHeader(in, &token); !m_error.isEmpty()) {
            m_error = tr("its input file %1").arg(m_error);
            return;
        }
        DataFile::writeHeader(out, token);
        m_statePosition = result->pos();
        out << quint8(NoResult);
    }
    const Progress progress = [this](qint64 done, qint64 total, const QString &text) {
        const QMutexLocker locker(&m_mutex);
        m_progress = {done, total, text};
    };
    m_error = guarded(QStringLiteral("%1"),
                      [&] { return m_summary = m_work(in, out, progress), QString(); });
    if (m_error.isEmpty() && out.status() != QDataStream::Ok)
        m_error = tr("cannot write its result: %1").arg(result->errorString());
}

// On the main thread, every tick: tells the app (or a terminal) how far the work is, and ends
// this process at once when the app has let go of host.lock: it cancelled, quit or is gone.
void Worker::tick()
{
    if (QLockFile host(QFileInfo(m_files).dir().filePath(HostLock));
        !m_files.isEmpty() && host.tryLock(0)) {
        std::fputs(APP_NAME ": the app cancelled, quit or is gone\n", stderr);
        std::_Exit(ExitCancelled); // host.lock stays, naming this program, for the next sweep
    }
    QMutexLocker locker(&m_mutex);
    const auto [done, total, text] = m_progress;
    locker.unlock();
    if (done == m_shownDone)
        return;
    if (QFile file(m_files + ProgressSuffix); !m_files.isEmpty()) {
        if (file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            QDataStream(&file) << done << total << text;
    } else if (total > 0 && (m_printed.hasExpired(1000) || done == total)) {
        QTextStream(stderr) << APP_NAME ": " << 100 * done / total << "% " << text << Qt::endl;
        m_printed.restart();
    }
    m_shownDone = done;
}

// The result file's state goes last; then the lock, which tells the app that the result is there.
void Worker::finish(QIODevice *result)
{
    if (auto file = qobject_cast<QFile *>(result); file && m_statePosition > 0) {
        QDataStream out(file);
        out.setVersion(StreamVersion);
        if (!m_error.isEmpty())
            file->resize(m_statePosition); // drops what a failed work wrote
        file->seek(m_statePosition);
        out << quint8(m_error.isEmpty() ? Done : Failed);
        if (!m_error.isEmpty())
            out << m_error;
        file->close();
        if (out.status() != QDataStream::Ok || file->error() != QFileDevice::NoError)
            m_error = tr("cannot write its result: %1").arg(file->errorString());
    }
    m_lock.unlock(); // the app reads the result now
    if (m_error.isEmpty())
        QTextStream(stdout) << m_summary << Qt::endl;
    else
        QTextStream(stderr) << APP_NAME ": " << m_error << Qt::endl;
}

// ---- The waiter ---------------------------------------------------------------------------------

Waiter::Waiter(QObject *parent)
    : QThread(parent), m_program(QCoreApplication::applicationFilePath())
{}

void Waiter::start(std::unique_ptr<Job> job, int workers)
{
    m_job = m_makeJob ? m_makeJob() : std::move(job);
    m_workers = workers;
    QThread::start();
}

void Waiter::cancel()
{
    requestInterruption(); // nothing if it is not running
    m_wakeUp.release();
}

void Waiter::resultShown()
{
    m_wakeUp.release();
}

void Waiter::setWorkerProgram(const QString &program, const JobMaker &makeJob)
{
    m_program = program;
    m_makeJob = makeJob;
}

void Waiter::run()
{
    QElapsedTimer clock;
    clock.start();
    m_processes.clear();
    m_progress = {};
    m_wakeUp.tryAcquire(m_wakeUp.available()); // what came while it did not run
    m_token = QByteArray::number(QRandomGenerator::system()->generate64(), 36);
    QVariant result;
    QString error;
    if (QTemporaryDir folder(QDir::tempPath() + u'/' + FolderPrefix + QStringLiteral("XXXXXX"));
        !folder.isValid())
        error = tr("Cannot make a folder in %1: %2.")
                        .arg(QDir::toNativeSeparators(QDir::tempPath()), folder.errorString());
    else if (error = runIn(folder.path(), &result); !removeFolder(&folder) && error.isEmpty())
        error = tr("Cannot remove %1.").arg(QDir::toNativeSeparators(folder.path()));
    m_job.reset(); // the parts and results, however big, are freed here
    if (!error.isEmpty())
        emit failed(error);
    else if (isInterruptionRequested())
        emit cancelled();
    else
        emitResult(result, double(clock.nsecsElapsed()) / 1e9);
}

// The workers run while this thread holds the folder's host.lock; they end when it lets go.
QString Waiter::runIn(const QString &folder, QVariant *result)
{
    QLockFile host(folder + u'/' + HostLock);
    host.setStaleLockTime(0);
    if (!host.tryLock(0))
        return tr("Cannot lock %1.").arg(QDir::toNativeSeparators(host.fileName()));
    removeAbandonedFolders(host);
    QString error = guarded(tr("The task's input could not be split or written: %1"),
                            [&] { return startWorkers(folder); });
    if (error.isEmpty())
        error = watch();
    if (error.isEmpty() && !isInterruptionRequested())
        error = guarded(tr("The workers' results could not be combined: %1"),
                        [&] { return *result = m_job->result(), QString(); });
    host.unlock();
    stopWorkers();
    error = error.simplified(); // one sentence, whatever a task's message holds
    return error.isEmpty() || error.endsWith(u'.') ? error : error + u'.';
}

QString Waiter::startWorkers(const QString &folder)
{
    const int count = m_job->split(m_workers);
    if (count < 1 || count > m_workers)
        return tr("The task split its input into %1 parts, not 1 to %2").arg(count).arg(m_workers);
    QList<qint64> pids;
    for (int part = 0; part < count; ++part) {
        m_processes.emplace_back().files = folder + u'/' + QString::number(part + 1);
        if (const QString error = startWorker(part); !error.isEmpty()) {
            m_processes.back().state = Ended; // it never ran
            return error;
        }
        pids << m_processes.back().pid;
    }
    emit workersStarted(pids);
    return {};
}

// Writes the part's input, closed before its worker starts, then starts the worker.
QString Waiter::startWorker(int part)
{
    Process &process = m_processes[part];
    QFile input(process.files + InputSuffix);
    if (input.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
        QDataStream out(&input);
        DataFile::writeHeader(out, m_token);
        m_job->writeInput(part, out);
        input.close();
    }
    if (input.error() != QFileDevice::NoError)
        return tr("Cannot write the input of worker %1: %2").arg(part + 1).arg(input.errorString());
    QProcess starter;
    starter.setProgram(m_program);
    starter.setArguments({QStringLiteral("--worker"), QStringLiteral("--input"), input.fileName()});
    starter.setStandardOutputFile(QProcess::nullDevice()); // its summary is for a terminal
    starter.setStandardErrorFile(process.files + LogSuffix); // its messages, and why it failed
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_FORCE_STDERR_LOGGING"), QStringLiteral("1")); // Windows
    starter.setProcessEnvironment(environment);
    process.clock.start();
    if (!starter.startDetached(&process.pid))
        return tr("Cannot start worker %1 (%2): %3")
                .arg(part + 1)
                .arg(QDir::toNativeSeparators(m_program), starter.errorString());
    return {};
}

// Until every worker has ended, one has failed, or the task is cancelled. Progress goes to the
// window at most once a tick, and only when it changed.
QString Waiter::watch()
{
    for (int ended = 0; !isInterruptionRequested(); m_wakeUp.tryAcquire(1, TickMs)) {
        std::tuple<qint64, qint64, QString> sum;
        auto &[done, total, text] = sum;
        for (int part = 0; part < int(m_processes.size()); ++part) {
            const Process &process = m_processes[part];
            if (update(&m_processes[part])) {
                const QString error = collect(part);
                if (!error.isEmpty() || ++ended == int(m_processes.size()))
                    return error;
            }
            done += std::get<0>(process.progress);
            total += std::get<1>(process.progress);
            text = text.isEmpty() ? std::get<2>(process.progress) : text;
        }
        if (std::exchange(m_progress, sum) != sum)
            emit progressChanged(done, total, text);
    }
    return {};
}

// The one place that moves a worker's state: it runs while it holds its lock, and has ended once
// it has let go of it. True when it has just ended.
bool Waiter::update(Process *process)
{
    const State before = process->state;
    const QString lock = process->files + LockSuffix;
    // In this order: a worker makes its lock, then its result file, and removes its lock last.
    const bool started =
            QFileInfo::exists(process->files + ResultSuffix) || QFileInfo::exists(lock);
    if (isHeld(lock) && processRuns(process->pid)) // a lock left empty by a dead worker too
        process->state = Running;
    else if (started || before == Running || !processRuns(process->pid)
             || process->clock.hasExpired(StartTimeoutMs)) // a zombie runs, for kill()
        process->state = Ended;
    QFile file(process->files + ProgressSuffix);
    QDataStream in(&file);
    qint64 done = 0, total = 0;
    QString text;
    if (process->state == Running && file.open(QIODevice::ReadOnly)
        && (in >> done >> total >> text).status() == QDataStream::Ok)
        process->progress = {done, total, text};
    return before != Ended && process->state == Ended;
}

QString Waiter::collect(int part)
{
    const Process &process = m_processes[part];
    QFile file(process.files + ResultSuffix), log(process.files + LogSuffix);
    const QString error = file.open(QIODevice::ReadOnly)
            ? DataFile::readResult(&file, m_token,
                                   [&](QDataStream &in) { m_job->readResult(part, in); })
            : tr("ended without a result");
    if (error.isEmpty())
        return {};
    QString message = tr("Worker %1 (pid %2) %3").arg(part + 1).arg(process.pid).arg(error);
    if (error == tr("ended without a result"))
        message += tr(": it crashed, was killed or could not run");
    if (log.open(QIODevice::ReadOnly) && log.seek(qMax<qint64>(0, log.size() - 4096))) {
        const QString last = QString::fromLocal8Bit(log.readAll()).trimmed().section(u'\n', -1);
        message += last.isEmpty() ? QString() : tr(" (its log ends: %1)").arg(last.trimmed());
    }
    return message;
}

// Waits for every worker to end (they saw host.lock go), killing one that has not within a
// second, but only while its lock names its pid: a reused pid is never killed.
void Waiter::stopWorkers()
{
    QElapsedTimer clock;
    clock.start();
    for (bool running = true; running;) {
        running = false;
        for (Process &process : m_processes) {
            qint64 holder = 0;
            update(&process);
            if (process.state != Ended && clock.hasExpired(KillAfterMs)
                && QLockFile(process.files + LockSuffix).getLockInfo(&holder, nullptr, nullptr)
                && holder == process.pid)
                processRuns(process.pid, true);
            running = running || process.state != Ended;
        }
        QThread::msleep(running ? 10 : 0);
    }
}

// On Windows no file can be removed while a process holds it open: a worker that has let go of
// its lock may still be closing its log as it exits.
bool Waiter::removeFolder(QTemporaryDir *folder)
{
    QElapsedTimer clock;
    clock.start();
    while (!folder->remove() && !clock.hasExpired(KillAfterMs))
        QThread::msleep(10);
    return !QFileInfo::exists(folder->path());
}

// Keeps a share of the result until the window has shown it (or cancels), so that its last copy,
// however big, is freed on this thread, not on the GUI thread.
void Waiter::emitResult(const QVariant &result, double seconds)
{
    emit succeeded(result, seconds);
    m_wakeUp.acquire();
}

// The folders of apps that were killed. Only a folder that is provably this program's (its exact
// name, nothing in it but files of its names, and a host.lock written by this program or by its
// worker program), and only once no process holds a lock in it: a worker stopped in a debugger
// keeps its folder, and ends itself once it runs again.
void Waiter::removeAbandonedFolders(const QLockFile &host)
{
    QString self; // what this program's locks call it
    host.getLockInfo(nullptr, nullptr, &self);
    const QString worker = QFileInfo(m_program).fileName(); // locks leave out ".exe"
    const QFileInfoList folders =
            QDir(QDir::tempPath())
                    .entryInfoList({FolderPrefix + QStringLiteral("??????")},
                                   QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot);
    for (const QFileInfo &folder : folders) {
        const QString lock = folder.filePath() + u'/' + HostLock;
        const QFileInfoList files = QDir(folder.filePath())
                                            .entryInfoList(QDir::AllEntries | QDir::Hidden
                                                           | QDir::System | QDir::NoDotAndDotDot);
        bool ours = !folder.isSymLink() && lock != host.fileName();
        for (const QFileInfo &file : files)
            ours = ours && file.isFile() && !file.isSymLink()
                    && FileName.match(file.fileName()).hasMatch();
        QString program;
        if (!ours || !QLockFile(lock).getLockInfo(nullptr, nullptr, &program)
            || (program != self && program != worker && !worker.startsWith(program + u'.')))
            continue;
        bool held = false; // host.lock last: it proves the folder this program's
        for (const QFileInfo &file : files)
            held = held
                    || (file.suffix() == QLatin1String("lock") && file.filePath() != lock
                        && isHeld(file.filePath()));
        if (held || isHeld(lock))
            continue;
        for (const QFileInfo &file : files)
            QFile::remove(file.filePath());
        QDir().rmdir(folder.filePath());
    }
}
