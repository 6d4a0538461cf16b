// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The fault matrix: every way a task can go wrong, driven through the real window with clicks on
// its real buttons, with the real app binary as the worker. Each row checks what the user sees (one
// line in the status label, printed with qInfo for the record), that no worker process and no
// file is left behind, and that the next Start gives the right result.

#include "reliability.h"

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QLockFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>
#include <memory>

#include <signal.h> // ::kill, for the test that kills a worker from outside (POSIX)
#include <unistd.h> // ::geteuid

using namespace Reliability;

namespace {

// What the test does while the task runs.
enum Action {
    AwaitEnd, // nothing: the worker fails by itself
    CancelWhenFailed, // click Cancel once the worker has hung
    KillWhenRunning, // SIGKILL the worker once its task runs
};

const QString Stopped = QStringLiteral(
        " stopped without writing a result: it crashed, aborted, exited early or was killed. Its "
        "log ends with: " APP_NAME ".worker: ");
const QString Unreadable = QStringLiteral(" is unreadable: ");
const QString CutShort = QStringLiteral("the file is cut short (%file).");

// A worker that is slow to start: a cold disk, a loaded machine, a virus scanner. Test-only.
QString writeSlowStarter(const QString &path, const QString &delay)
{
    QFile script(path);
    if (!script.open(QIODevice::WriteOnly))
        return {};
    script.write("#!/bin/sh\nsleep " + delay.toUtf8() + "\nexec '" WORKER_PROGRAM "' \"$@\"\n");
    script.close();
    script.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return path;
}

// The status line, checked against a pattern: %pid and %file stand for the failing worker's pid
// and result file; a trailing * makes the rest free (a sanitizer may add to a crash's log).
bool matches(const QString &status, QString pattern, qint64 pid, const QString &file)
{
    pattern.replace(QLatin1String("%pid"), QString::number(pid));
    pattern.replace(QLatin1String("%file"), file);
    if (pattern.endsWith(QLatin1Char('*')))
        return status.startsWith(pattern.chopped(1));
    return status == pattern;
}
} // namespace

class tst_Faults : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void failingWorkerShowsOneLineAndNextStartWorks_data();
    void failingWorkerShowsOneLineAndNextStartWorks();
    void unstartableWorkerSaysWhyAndNextStartWorks_data();
    void unstartableWorkerSaysWhyAndNextStartWorks();
    void unwritableTempDirSaysWhereAndNextStartWorks_data();
    void unwritableTempDirSaysWhereAndNextStartWorks();
    void pathsWithSpacesAndNonAsciiWork();
    void sweepRemovesOnlyDeadFoldersOfItsOwn();
    void startPressedTwiceStartsOneWorker();
    void startPressedTheMomentATaskEndsStartsTheNextTask();
    void quitDuringWorkerStartUpLeavesNothing_data();
    void quitDuringWorkerStartUpLeavesNothing();

private:
    std::unique_ptr<MainWindow> newWindow(const TaskInput &input,
                                          const QString &program = QStringLiteral(WORKER_PROGRAM));
    void useTempDir(const QString &path);
    void verifyNothingLeft(const QList<qint64> &pids);
    void verifyNextStartWorks(QWidget *window, const TaskInput &input, int workers);

    QTemporaryDir m_base; // everything this test makes, the app's TMPDIR included
    QString m_temp; // the app's TMPDIR, inherited by its workers
    QHash<QString, TaskResult> m_expected;
    std::unique_ptr<StartedWorkers> m_started;
};

void tst_Faults::initTestCase()
{
    QVERIFY2(m_base.isValid(), qPrintable(m_base.errorString()));
    m_temp = m_base.filePath(QStringLiteral("tmp"));
    QVERIFY(QDir().mkpath(m_temp));
    m_temp = QDir(m_temp).canonicalPath(); // the form QDir::tempPath() gives
    m_started = std::make_unique<StartedWorkers>();
}

void tst_Faults::init()
{
    useTempDir(m_temp);
    QVERIFY2(filesIn(m_temp).isEmpty(), qPrintable(filesIn(m_temp).join(QLatin1String(", "))));
}

void tst_Faults::cleanup()
{
    useTempDir(m_temp);
    if (QTest::currentTestFailed()) {
        // Keep one failure from failing every later row.
        for (const QString &name : filesIn(m_temp))
            QDir(m_temp + QLatin1Char('/') + name).removeRecursively();
    }
}

std::unique_ptr<MainWindow> tst_Faults::newWindow(const TaskInput &input, const QString &program)
{
    return WindowDriver::newWindow(input, program);
}

void tst_Faults::useTempDir(const QString &path)
{
    qputenv("TMPDIR", QFile::encodeName(path));
}

// No worker of ours runs (zombies aside: see processExists) and the app's TMPDIR is empty.
void tst_Faults::verifyNothingLeft(const QList<qint64> &pids)
{
    for (qint64 pid : pids) {
        QTRY_VERIFY2_WITH_TIMEOUT(!processExists(pid),
                                  qPrintable(QStringLiteral("worker pid %1 still runs").arg(pid)),
                                  SettleTimeout);
    }
    const QString temp = QDir::tempPath();
    QTRY_VERIFY2_WITH_TIMEOUT(
            processesMentioning(m_base.path()).isEmpty(),
            qPrintable(QStringLiteral("workers still run: %1")
                               .arg(QString::number(processesMentioning(m_base.path()).value(0)))),
            SettleTimeout);
    QTRY_VERIFY2_WITH_TIMEOUT(
            filesIn(temp).isEmpty(),
            qPrintable(QStringLiteral("left in %1: %2")
                               .arg(temp, filesIn(temp).join(QLatin1String(", ")))),
            SettleTimeout);
}

// The app is still usable: the next Start, with no failure, gives exactly the task's result.
void tst_Faults::verifyNextStartWorks(QWidget *window, const TaskInput &input, int workers)
{
    // Computed once per input: the task runs here in the test process.
    const QString key = Task::toArguments(input).join(QLatin1Char(' ')) + QLatin1Char('/')
            + QString::number(workers);
    if (!m_expected.contains(key))
        m_expected.insert(key, expectedResult(input, workers));
    const TaskResult expected = m_expected.value(key);
    QString why;
    QVERIFY2(DemoTask::isPlausible(expected, &why), qPrintable(why));

    selectFailure(window, Failure::None);
    QVERIFY2(isIdle(window), "Start is still disabled after the failure");
    click(window, "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window), TaskTimeout);
    QCOMPARE(text(window, "statusLabel"), QStringLiteral("Done."));
    QCOMPARE(text(window, "resultLabel"), Task::describe(expected));
    QCOMPARE(workerPids(window).size(), workers);
    verifyNothingLeft(workerPids(window));
}

void tst_Faults::failingWorkerShowsOneLineAndNextStartWorks_data()
{
    QTest::addColumn<int>("failure");
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("culprit"); // the index of the worker that fails
    QTest::addColumn<int>("action");
    QTest::addColumn<QString>("message"); // see matches()

    const auto row = [](const char *tag, Failure failure, int workers, int culprit, Action action,
                        const QString &message) {
        QTest::newRow(tag) << int(failure) << workers << culprit << int(action) << message;
    };
    const QString one = QStringLiteral("the worker (pid %pid)");
    const QString One = QStringLiteral("The worker (pid %pid)");

    row("1 exception", Failure::Exception, 1, 0, AwaitEnd,
        QStringLiteral("The task failed in ") + one
                + QStringLiteral(": simulated failure: the task threw an exception halfway"));
    // A sanitizer build adds its own report to a crash's log, hence the free end.
    row("2 segfault", Failure::Crash, 1, 0, AwaitEnd,
        One + Stopped + QStringLiteral("simulated failure: crashing with SIGSEGV*"));
    row("3 abort", Failure::Abort, 1, 0, AwaitEnd,
        One + Stopped + QStringLiteral("simulated failure: calling abort() halfway*"));
    row("4 exit without result", Failure::Exit, 1, 0, AwaitEnd,
        One + Stopped
                + QStringLiteral("simulated failure: exiting with code 4 and no result (--fail "
                                 "exit)"));
    row("5 hang, then Cancel", Failure::Hang, 1, 0, CancelWhenFailed, QStringLiteral("Cancelled."));
    // The last line a killed worker wrote is the one with its pid and command line.
    row("6 killed from outside", Failure::None, 1, 0, KillWhenRunning,
        One + Stopped + QStringLiteral("pid %pid: *"));
    row("7 truncated result", Failure::Truncated, 1, 0, AwaitEnd,
        QStringLiteral("The result of ") + one + Unreadable + CutShort);
    row("8 garbage result", Failure::Garbage, 1, 0, AwaitEnd,
        QStringLiteral("The result of ") + one + Unreadable
                + QStringLiteral("it is not a result file of this program (wrong magic number) "
                                 "(%file)."));
    row("9 other format version", Failure::OtherVersion, 1, 0, AwaitEnd,
        QStringLiteral("The result of ") + one + Unreadable
                + QStringLiteral("it has format version 2, and this program reads version 1 "
                                 "(%file)."));
    // A string length of 4 GiB and no string: Qt reads strings in 1 MiB steps, so this ends as a
    // short file, not as a 4 GiB allocation (the test checks VmPeak too).
    row("15 huge length field", Failure::HugeLength, 1, 0, AwaitEnd,
        QStringLiteral("The result of ") + one + Unreadable + CutShort);

    // Parallel workers: one fails, the app names it and stops the others.
    row("parallel: exception in 1 of 2", Failure::Exception, 2, 0, AwaitEnd,
        QStringLiteral("The task failed in worker 1 of 2 (pid %pid): simulated failure: the task "
                       "threw an exception halfway"));
    row("parallel: segfault in 1 of 3", Failure::Crash, 3, 0, AwaitEnd,
        QStringLiteral("Worker 1 of 3 (pid %pid)") + Stopped
                + QStringLiteral("simulated failure: crashing with SIGSEGV*"));
    row("parallel: 2 of 3 killed from outside", Failure::None, 3, 1, KillWhenRunning,
        QStringLiteral("Worker 2 of 3 (pid %pid)") + Stopped + QStringLiteral("pid %pid: *"));
    row("parallel: hang in 1 of 4, then Cancel", Failure::Hang, 4, 0, CancelWhenFailed,
        QStringLiteral("Cancelled."));
    row("parallel: garbage from 1 of 2", Failure::Garbage, 2, 0, AwaitEnd,
        QStringLiteral("The result of worker 1 of 2 (pid %pid)") + Unreadable
                + QStringLiteral("it is not a result file of this program (wrong magic number) "
                                 "(%file)."));
    row("parallel: huge length from 1 of 3", Failure::HugeLength, 3, 0, AwaitEnd,
        QStringLiteral("The result of worker 1 of 3 (pid %pid)") + Unreadable + CutShort);
}

void tst_Faults::failingWorkerShowsOneLineAndNextStartWorks()
{
    QFETCH(int, failure);
    QFETCH(int, workers);
    QFETCH(int, culprit);
    QFETCH(int, action);
    QFETCH(QString, message);

    // A worker to be killed from outside must still be running when the test gets to it.
    const TaskInput input = action == KillWhenRunning ? DemoTask::slow() : DemoTask::quick();
    auto window = newWindow(input);
    setWorkers(window.get(), workers);
    selectFailure(window.get(), Failure(failure));
    const qint64 peakBefore = statusKiB("VmPeak");

    click(window.get(), "startButton");
    QTRY_COMPARE_WITH_TIMEOUT(workerPids(window.get()).size(), workers, TaskTimeout);
    const QList<qint64> pids = workerPids(window.get());
    const QStringList files = resultFiles(window.get());
    QCOMPARE(files.size(), workers);
    const qint64 pid = pids.at(culprit);
    const QString log = WorkerFiles::log(files.at(culprit));

    if (action == CancelWhenFailed) {
        // The worker writes this just before it blocks for good, in a call that checks no flag.
        QTRY_VERIFY_WITH_TIMEOUT(readAll(log).contains(QLatin1String("blocking forever")),
                                 TaskTimeout);
        QVERIFY2(processExists(pid), "the hanging worker is gone before Cancel");
        click(window.get(), "cancelButton");
    } else if (action == KillWhenRunning) {
        // The worker logs its pid once it holds its lock and its task runs.
        QTRY_VERIFY_WITH_TIMEOUT(readAll(log).contains(QStringLiteral("pid %1:").arg(pid)),
                                 TaskTimeout);
        QVERIFY2(!isIdle(window.get()), "the task ended before the test could kill its worker");
        // Test code (POSIX): SIGKILL from outside, as `kill -9` or the OOM killer would send it.
        QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
    }
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);

    const QString status = text(window.get(), "statusLabel");
    qInfo("the user sees: %s", qUtf8Printable(status));
    QVERIFY2(matches(status, message, pid, files.at(culprit)), qUtf8Printable(status));
    QVERIFY2(!status.contains(QLatin1Char('\n')), "the status is one line");
    QVERIFY(text(window.get(), "resultLabel").isEmpty());
    verifyNothingLeft(pids);
    // Reading a result never reserves gigabytes, whatever its length fields say (VmPeak: the peak
    // of virtual memory, which counts an allocation even if it is never touched).
    const qint64 peakGrowthKiB = statusKiB("VmPeak") - peakBefore;
    QVERIFY2(peakGrowthKiB < 1024 * 1024,
             qPrintable(QStringLiteral("VmPeak grew by %1 MiB").arg(peakGrowthKiB / 1024)));

    verifyNextStartWorks(window.get(), input, workers);
}

void tst_Faults::unstartableWorkerSaysWhyAndNextStartWorks_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<QString>("reason"); // a pattern for the reason given

    QTest::newRow("10 binary does not exist")
            << m_base.filePath(QStringLiteral("no such app"))
            << QStringLiteral("no such file|does not exist|not found");

    const QString notExecutable = m_base.filePath(QStringLiteral("not an app"));
    QFile file(notExecutable);
    if (file.open(QIODevice::WriteOnly))
        file.write("not a program\n");
    QTest::newRow("10b file is not executable")
            << notExecutable << QStringLiteral("not executable|not an executable|permission");
}

void tst_Faults::unstartableWorkerSaysWhyAndNextStartWorks()
{
    QFETCH(QString, program);
    QFETCH(QString, reason);

    auto window = newWindow(DemoTask::quick(), program);
    const int startedBefore = StartedWorkers::count();
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);

    const QString status = text(window.get(), "statusLabel");
    qInfo("the user sees: %s", qUtf8Printable(status));
    const QString prefix = QStringLiteral("Cannot start the worker %1: ").arg(program);
    QVERIFY2(status.startsWith(prefix) && status.endsWith(QLatin1Char('.')),
             qUtf8Printable(status));
    QCOMPARE(StartedWorkers::count(), startedBefore);
    QVERIFY(workerPids(window.get()).isEmpty());
    verifyNothingLeft({});

    // The reason comes from exec() in the child, through QProcess: it must say what is wrong.
    QVERIFY2(status.mid(prefix.size())
                     .contains(
                             QRegularExpression(reason, QRegularExpression::CaseInsensitiveOption)),
             qUtf8Printable(QStringLiteral("the reason does not say what is wrong: ") + status));

    window->setWorkerProgram(QStringLiteral(WORKER_PROGRAM));
    verifyNextStartWorks(window.get(), DemoTask::quick(), 1);
}

void tst_Faults::unwritableTempDirSaysWhereAndNextStartWorks_data()
{
    QTest::addColumn<QString>("temp");
    // A read-only folder stops everyone but root, who ignores permission bits (as the tests do in
    // CI): that row checks whether this process can write there, and skips when it can.
    const QString readOnly = m_base.filePath(QStringLiteral("read-only"));
    QDir().mkpath(readOnly);
    QFile::setPermissions(readOnly, QFileDevice::ReadOwner | QFileDevice::ExeOwner);
    QTest::newRow("11a read-only folder") << readOnly;
    // Not even root can make a folder in /proc.
    QTest::newRow("11b /proc") << QStringLiteral("/proc");
    // Nobody can make a folder below a regular file; the path does not exist either.
    const QString file = m_base.filePath(QStringLiteral("a file"));
    QFile(file).open(QIODevice::WriteOnly);
    QTest::newRow("11c below a regular file") << file + QLatin1String("/tmp");
}

void tst_Faults::unwritableTempDirSaysWhereAndNextStartWorks()
{
    QFETCH(QString, temp);

    if (QTest::currentDataTag() == QByteArray("11a read-only folder")) {
        QFile probe(temp + QLatin1String("/probe"));
        if (probe.open(QIODevice::WriteOnly)) {
            probe.remove();
            QSKIP(qPrintable(
                    QStringLiteral("this process (uid %1) can write to a read-only folder: "
                                   "root ignores permission bits; rows 11b and 11c "
                                   "cover root")
                            .arg(::geteuid())));
        }
    }
    qInfo("TMPDIR=%s, running as uid %u", qUtf8Printable(temp), ::geteuid());
    const QStringList rootBefore =
            QDir::root().entryList({QStringLiteral(APP_NAME "-*")}, QDir::Dirs);

    auto window = newWindow(DemoTask::quick());
    useTempDir(temp);
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    const QString status = text(window.get(), "statusLabel");
    qInfo("the user sees: %s", qUtf8Printable(status));
    if (!resultFiles(window.get()).isEmpty())
        qInfo("and yet a worker ran, with its files in %s",
              qUtf8Printable(text(window.get(), "fileLabel")));
    QVERIFY(QDir::root().entryList({QStringLiteral(APP_NAME "-*")}, QDir::Dirs) == rootBefore);
    useTempDir(m_temp);
    verifyNothingLeft(workerPids(window.get()));

    // A TMPDIR that does not exist makes QDir::tempPath() empty: the app must say so, naming the
    // TMPDIR it was given, rather than make its folder in "/".
    QVERIFY2(
            status.startsWith(
                    QStringLiteral("Cannot create a folder for the task's files in %1: ").arg(temp))
                    && status.endsWith(QLatin1String(". Point TMPDIR at a writable folder.")),
            qUtf8Printable(status));

    verifyNextStartWorks(window.get(), DemoTask::quick(), 1);
}

void tst_Faults::pathsWithSpacesAndNonAsciiWork()
{
    const QString appFolder = m_base.filePath(QStringLiteral("app folder é ü 日本"));
    const QString program = appFolder + QStringLiteral("/long task runnin ü");
    QVERIFY(QDir().mkpath(appFolder));
    QVERIFY(QFile::copy(QStringLiteral(WORKER_PROGRAM), program));
    QVERIFY(QFile::setPermissions(program, QFile::permissions(QStringLiteral(WORKER_PROGRAM))));
    const QString temp = m_base.filePath(QStringLiteral("temp folder é ü 日本"));
    QVERIFY(QDir().mkpath(temp));
    useTempDir(temp);
    QCOMPARE(QDir::tempPath(), temp);

    auto window = newWindow(DemoTask::quick(), program);
    setWorkers(window.get(), 2);
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    const QString status = text(window.get(), "statusLabel");
    qInfo("the user sees: %s", qUtf8Printable(status));
    QCOMPARE(status, QStringLiteral("Done."));
    QVERIFY2(StartedWorkers::last().contains(program), qUtf8Printable(StartedWorkers::last()));
    QVERIFY2(resultFiles(window.get()).constFirst().startsWith(temp + QLatin1Char('/')),
             qUtf8Printable(text(window.get(), "fileLabel")));
    const TaskResult expected = expectedResult(DemoTask::quick(), 2);
    QCOMPARE(text(window.get(), "resultLabel"), Task::describe(expected));
    verifyNothingLeft(workerPids(window.get()));
    verifyNextStartWorks(window.get(), DemoTask::quick(), 2);
}

// TMPDIR is shared: the sweep of folders left by killed apps must touch nothing but those.
void tst_Faults::sweepRemovesOnlyDeadFoldersOfItsOwn()
{
    const QString temp = m_base.filePath(QStringLiteral("shared tmp"));
    const QString outside = m_base.filePath(QStringLiteral("user files"));
    QVERIFY(QDir().mkpath(temp));
    QVERIFY(QDir().mkpath(outside));
    useTempDir(temp);
    const auto plant = [](const QString &path) {
        QVERIFY(QDir().mkpath(QFileInfo(path).path()));
        QFile file(path);
        QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(path));
        file.write("user data\n");
        file.close();
        // Old enough for any age rule; the sweep must not have one.
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.setFileTime(QDateTime::currentDateTime().addDays(-2),
                                 QFileDevice::FileModificationTime));
    };
    const QString prefix = temp + QStringLiteral("/" APP_NAME "-");
    const QStringList kept = {
            prefix + QStringLiteral("1.0.0/src/main.cpp"), // a source tree named like the app
            temp + QStringLiteral("/LongTaskRunnin-notes/notes.txt"), // the name in other case
            temp + QStringLiteral("/" APP_NAME "-").toUpper()
                    + QStringLiteral("ABCDEF/worker-1.result"), // pattern, other case
            prefix + QStringLiteral("Ab12Cd/worker-1.result"), // the pattern, but no host.lock
            prefix + QStringLiteral("Ab12Ce/foreign.txt"), // dead, but with a file not ours
            outside + QStringLiteral("/precious.txt"), // reached only through a symlink
            outside + QStringLiteral("/host.lock"),
    };
    for (const QString &path : kept)
        plant(path);
    plant(prefix + QStringLiteral("Ab12Ce/host.lock"));
    QVERIFY(QFile::link(outside, prefix + QStringLiteral("Ab12Cf"))); // a symlink to user files
    // A dead task folder of this app: its host.lock is free. Only this one goes.
    plant(prefix + QStringLiteral("Ab12Cg/host.lock"));
    plant(prefix + QStringLiteral("Ab12Cg/worker-1.result"));
    plant(prefix + QStringLiteral("Ab12Cg/worker-1.result.log"));
    // A live app's folder: its host.lock is held.
    QVERIFY(QDir().mkpath(prefix + QStringLiteral("Ab12Ch")));
    QLockFile live(prefix + QStringLiteral("Ab12Ch/host.lock"));
    QVERIFY(live.tryLock(0));
    // Another user's dead folder, where the test can make one (as root).
    const QString foreign = prefix + QStringLiteral("Ab12Ci");
    plant(foreign + QStringLiteral("/host.lock"));
    const bool root = ::geteuid() == 0;
    if (root)
        QCOMPARE(::chown(QFile::encodeName(foreign).constData(), 65534, 65534), 0);

    auto window = newWindow(DemoTask::tiny());
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(text(window.get(), "statusLabel"), QStringLiteral("Done."));

    for (const QString &path : kept)
        QVERIFY2(QFileInfo::exists(path), qPrintable(path + QStringLiteral(" was deleted")));
    QVERIFY(QFileInfo::exists(prefix + QStringLiteral("Ab12Ce/host.lock")) == false);
    QVERIFY(QFileInfo(prefix + QStringLiteral("Ab12Cf")).isSymLink());
    QVERIFY2(!QFileInfo::exists(prefix + QStringLiteral("Ab12Cg")), "a dead folder was kept");
    QVERIFY(QFileInfo::exists(prefix + QStringLiteral("Ab12Ch/host.lock")));
    QCOMPARE(QFileInfo::exists(foreign + QStringLiteral("/host.lock")), root);
    live.unlock();
    QVERIFY(QDir(temp).removeRecursively());
}

void tst_Faults::startPressedTwiceStartsOneWorker()
{
    auto window = newWindow(DemoTask::quick());
    auto start = widget<QPushButton>(window.get(), "startButton");
    const int startedBefore = StartedWorkers::count();
    click(window.get(), "startButton");
    click(window.get(), "startButton");
    QTest::mouseDClick(start, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);

    const QString status = text(window.get(), "statusLabel");
    qInfo("the user sees: %s", qUtf8Printable(status));
    QCOMPARE(status, QStringLiteral("Done."));
    QCOMPARE(workerPids(window.get()).size(), 1);
    QCOMPARE(StartedWorkers::count() - startedBefore, 1);
    QCOMPARE(text(window.get(), "resultLabel"), Task::describe(expectedResult(DemoTask::quick())));
    verifyNothingLeft(workerPids(window.get()));
}

void tst_Faults::startPressedTheMomentATaskEndsStartsTheNextTask()
{
    auto window = newWindow(DemoTask::tiny());
    auto start = widget<QPushButton>(window.get(), "startButton");

    // Start is pressed the moment the window enables it again, as a user with a quick finger or a
    // script would: the click is queued behind the report of the task's end.
    constexpr int Attempts = 100;
    int pressed = 0;
    QMetaObject::Connection pressAgain;
    struct Presser : QObject
    {
        std::function<void()> onEnabled;
        bool eventFilter(QObject *, QEvent *event) override
        {
            if (event->type() == QEvent::EnabledChange)
                onEnabled();
            return false;
        }
    } presser;
    presser.onEnabled = [&] {
        if (start->isEnabled() && pressed < Attempts) {
            ++pressed;
            QMetaObject::invokeMethod(
                    start, [start] { QTest::mouseClick(start, Qt::LeftButton); },
                    Qt::QueuedConnection);
        }
    };
    start->installEventFilter(&presser);
    const int startedBefore = StartedWorkers::count();
    ++pressed;
    click(window.get(), "startButton");

    // Stuck: Start is disabled, no waiter thread runs, and no worker started for the last
    // press, and that for 5 s on end (a waiter thread that is about to start has no name yet).
    // Otherwise the presses go on until the last task ends.
    QElapsedTimer stuckFor;
    const auto stuck = [&] {
        const bool looksStuck = !start->isEnabled() && waiterThreads() == 0
                && StartedWorkers::count() - startedBefore < pressed;
        if (!looksStuck)
            stuckFor.invalidate();
        else if (!stuckFor.isValid())
            stuckFor.start();
        return looksStuck && stuckFor.hasExpired(5000);
    };
    QTRY_VERIFY_WITH_TIMEOUT((pressed == Attempts && isIdle(window.get())) || stuck(), TaskTimeout);
    start->removeEventFilter(&presser);
    const QString status = text(window.get(), "statusLabel");
    qInfo("the user sees, after %d presses and %d workers: %s", pressed,
          StartedWorkers::count() - startedBefore, qUtf8Printable(status));
    QVERIFY2(!stuckFor.isValid(),
             qPrintable(
                     QStringLiteral("press %1 was lost: TaskThread::start() ignored it because the "
                                    "waiter thread of the task before had not exited yet, and the "
                                    "window stays at \"%2\" with Start disabled")
                             .arg(pressed)
                             .arg(status)));
    QCOMPARE(StartedWorkers::count() - startedBefore, Attempts);
    verifyNothingLeft(workerPids(window.get()));
}

void tst_Faults::quitDuringWorkerStartUpLeavesNothing_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<bool>("waitForPid");

    QTest::newRow("14a Quit at once") << QStringLiteral(WORKER_PROGRAM) << false;
    // The app waits 2 s for stopped workers; these start 1 s and 4 s late, so one starts while the
    // app waits and one after the app removed the task's folder.
    QTest::newRow("14b worker starts 1 s late")
            << writeSlowStarter(m_base.filePath(QStringLiteral("slow 1 s")), QStringLiteral("1"))
            << true;
    QTest::newRow("14c worker starts 4 s late")
            << writeSlowStarter(m_base.filePath(QStringLiteral("slow 4 s")), QStringLiteral("4"))
            << true;
}

void tst_Faults::quitDuringWorkerStartUpLeavesNothing()
{
    QFETCH(QString, program);
    QFETCH(bool, waitForPid);
    QVERIFY(!program.isEmpty());

    auto window = newWindow(DemoTask::quick(), program);
    const int startedBefore = StartedWorkers::count();
    click(window.get(), "startButton");
    if (waitForPid) {
        QTRY_VERIFY_WITH_TIMEOUT(!workerPids(window.get()).isEmpty(), TaskTimeout);
        const QString lock = WorkerFiles::lock(resultFiles(window.get()).constFirst());
        QVERIFY2(!QFileInfo::exists(lock),
                 "the worker already holds its lock: the test stalled for a second or more");
    }
    click(window.get(), "quitButton");
    QVERIFY(!window->isVisible());
    const QList<qint64> pids = workerPids(window.get());
    const QString status = text(window.get(), "statusLabel");
    window.reset(); // as when main() returns: waits for the waiter thread
    qInfo("the user saw, as the window closed: %s; workers started: %d", qUtf8Printable(status),
          StartedWorkers::count() - startedBefore);
    verifyNothingLeft(pids);
}

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    tst_Faults test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_faults.moc"
