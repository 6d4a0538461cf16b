// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The fault matrix: every way a task can go wrong, driven through the real window with clicks on
// its real buttons, the real waiter thread, and the test worker program (the product's real worker
// machinery) as the workers. Each fault checks what the user sees (one line in the status label,
// printed with qInfo for the record), that no worker process and no file is left behind, and that
// the next Start gives the right result. Nothing here knows the task: results compare by bytes.

#include "reliability.h"

#include <QApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QLockFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSpinBox>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTextStream>
#include <QtTest>

#include <climits> // INT_MAX
#include <memory>
#include <stdexcept>
#include <utility>

#include <signal.h> // ::kill (POSIX): faults from outside
#include <unistd.h> // ::geteuid, ::chown

namespace {
// What the test does while the task runs.
enum Action {
    AwaitEnd, // nothing: a worker fails by itself
    CancelWhenHung, // click Cancel once a worker blocks for good
    KillWhenRunning, // SIGKILL a worker once its job runs, as `kill -9` or the OOM killer would
};

// How the app names a worker in its messages (%Name; %name in mid-sentence).
QString workerName(int index, int count, qint64 pid)
{
    return count == 1
            ? QStringLiteral("The worker (pid %1)").arg(pid)
            : QStringLiteral("Worker %1 of %2 (pid %3)").arg(index + 1).arg(count).arg(pid);
}

// Linux-only: a process's state letter in /proc (R running, S sleeping, T stopped, ...).
char processState(qint64 pid)
{
    const QByteArray stat = readAll(QStringLiteral("/proc/%1/stat").arg(pid));
    const int end = stat.lastIndexOf(')');
    return end > 0 && stat.size() > end + 2 ? stat.at(end + 2) : '?';
}

// The test worker's job (raw bytes), but for one of its steps, which throws: worker `index`'s input
// ("input") or the reading of its result ("readResult"), or the combining ("result").
class ThrowingJob : public BytesJob
{
public:
    ThrowingJob(int workers, const QByteArray &step, int index, bool standard)
        : BytesJob(QList<QByteArray>(workers)), m_step(step), m_index(index), m_standard(standard)
    {}
    QByteArray input(int index) override
    {
        if (m_step == "input" && index == m_index)
            fail();
        return BytesJob::input(index);
    }
    void readResult(int index, const QByteArray &result) override
    {
        if (m_step == "readResult" && index == m_index)
            fail();
        BytesJob::readResult(index, result);
    }
    QVariant result() override
    {
        if (m_step == "result")
            fail();
        return BytesJob::result();
    }

private:
    [[noreturn]] void fail() const
    {
        if (m_standard)
            throw std::runtime_error("bad part");
        throw 42; // not a std::exception
    }

    QByteArray m_step;
    int m_index;
    bool m_standard;
};

// This program run as `tst_faults --host WORKERS`: the app as a user runs it, its Start pressed.
// It prints its workers' pids once they started, then runs until it is killed.
int runHost(int workers)
{
    auto window = newWindow();
    setWorkers(window.get(), workers);
    QObject::connect(waiterOf(window.get()), &Waiter::workersStarted, window.get(),
                     [](const QList<qint64> &pids) {
                         QStringList texts;
                         for (qint64 pid : pids)
                             texts << QString::number(pid);
                         QTextStream(stdout) << "pids " << texts.join(QLatin1Char(' ')) << Qt::endl;
                     });
    click(window.get(), "startButton");
    return QCoreApplication::exec();
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
    void unusableTempDirSaysWhereAndNextStartWorks_data();
    void unusableTempDirSaysWhereAndNextStartWorks();
    void jobThatThrowsSaysWhatFailedAndNextStartWorks_data();
    void jobThatThrowsSaysWhatFailedAndNextStartWorks();
    void pathsWithSpacesAndNonAsciiWork();
    void workerCommandLineHoldsNoTaskData();
    void sweepRemovesOnlyDeadFoldersOfItsOwn();
    void startPressedTwiceStartsOneTask();
    void startPressedTheMomentATaskEndsStartsTheNextTask();
    void quitDuringWorkerStartUpLeavesNothing_data();
    void quitDuringWorkerStartUpLeavesNothing();
    void workersOfAKilledAppEndAndRemoveTheirFolder_data();
    void workersOfAKilledAppEndAndRemoveTheirFolder();
    void nextStartRemovesWhatAKilledAppLeft();

private:
    void useTempDir(const QString &path);
    void verifyNothingLeft(const QList<qint64> &pids);
    void verifyNextStartWorks(QWidget *window, int workers);
    void startHost(QProcess *host, int workers, QList<qint64> *pids);

    QTemporaryDir m_base; // everything the test makes, made before TMPDIR changes
    QString m_temp; // the app's TMPDIR in this test, inherited by its workers
    int m_tests = 0;
};

void tst_Faults::initTestCase()
{
    QVERIFY2(m_base.isValid(), qPrintable(m_base.errorString()));
}

// Each test gets a TMPDIR of its own, so that "nothing left behind" can be checked.
void tst_Faults::init()
{
    m_temp = m_base.filePath(QStringLiteral("tmp%1").arg(++m_tests));
    QVERIFY(QDir().mkpath(m_temp));
    m_temp = QDir(m_temp).canonicalPath(); // the form QDir::tempPath() gives
    useTempDir(m_temp);
    QCOMPARE(QDir::tempPath(), m_temp);
}

void tst_Faults::cleanup()
{
    // Keep one failure from failing the tests after it: workers of ours that still run go.
    if (QTest::currentTestFailed()) {
        for (qint64 pid : processesMentioning(m_base.path()))
            ::kill(pid_t(pid), SIGKILL);
    }
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
    // Workers whose pids the window never showed have the test's folder in their command lines.
    QTRY_VERIFY2_WITH_TIMEOUT(processesMentioning(m_base.path()).isEmpty(),
                              qPrintable(QStringLiteral("a worker still runs, pid %1")
                                                 .arg(processesMentioning(m_base.path()).value(0))),
                              SettleTimeout);
    QTRY_VERIFY2_WITH_TIMEOUT(
            filesIn(m_temp).isEmpty(),
            qPrintable(QStringLiteral("left in %1: %2").arg(m_temp, filesIn(m_temp).join(u' '))),
            SettleTimeout);
}

// The app is still usable: the next Start of a job that works gives each worker's result.
void tst_Faults::verifyNextStartWorks(QWidget *window, int workers)
{
    ScopedEnv mode("TESTWORKER_MODE", "ok");
    ScopedEnv once("TESTWORKER_ONCE", {});
    ScopedEnv millis("TESTWORKER_MILLIS", "100");
    QVERIFY2(isIdle(window), "Start is still disabled");
    WaiterLog log(waiterOf(window));
    const FilesAtEnd atEnd(waiterOf(window), m_temp);
    click(window, "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window), TaskTimeout);
    QCOMPARE(status(window), QStringLiteral("Done."));
    QCOMPARE(log.succeeded.size(), 1);
    QCOMPARE(atEnd.ends(), QList<QStringList> {QStringList()}); // the folder went before the news
    QCOMPARE(log.succeeded.constFirst(), QList<QByteArray>(workers, defaultResultBytes()));
    QCOMPARE(workerPids(window).size(), workers);
    verifyNothingLeft(workerPids(window));
}

void tst_Faults::failingWorkerShowsOneLineAndNextStartWorks_data()
{
    QTest::addColumn<QByteArray>("mode"); // the test worker's
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("action");
    QTest::addColumn<int>("victim"); // the worker killed; else the one that takes the mode fails
    QTest::addColumn<QString>("message"); // with %Name, %name and %pid for the failing worker

    const auto row = [](const char *tag, const char *mode, int workers, Action action,
                        const QString &message, int victim = -1) {
        QTest::newRow(tag) << QByteArray(mode) << workers << int(action) << victim << message;
    };
    const QString threw =
            QStringLiteral("The task failed in %name: simulated failure: the job threw halfway");
    const QString stopped = QStringLiteral(
            "%Name stopped without writing a result: it crashed, aborted, exited early or was "
            "killed. Its log ends with: testworker: ");
    const QString early = QStringLiteral(
            "%Name ended before it started its task. Its log ends with: testworker: exiting with "
            "code 127 before the worker machinery starts");
    const QString unreadable = QStringLiteral("The result of %name is unreadable: ");
    const QString cutShort = unreadable + QStringLiteral("the file is cut short.");
    const QString notOurs = unreadable + QStringLiteral("it is not a file of this program.");
    const QString version = unreadable
            + QStringLiteral("it has format version %1, and this program reads %2.")
                      .arg(DataFile::FormatVersion + 1)
                      .arg(DataFile::FormatVersion);
    const QString foreign = unreadable + QStringLiteral("it is a file of another run.");
    const QString cancelled = QStringLiteral("Cancelled.");

    // One worker; then one of 2 or 3 fails, and the app ends the others, which would block
    // forever (or, when the fault is a hang, run to their end).
    row("throw", "throw", 1, AwaitEnd, threw);
    row("throw in 1 of 2", "throw", 2, AwaitEnd, threw);
    row("segfault", "crash", 1, AwaitEnd, stopped + QStringLiteral("raising SIGSEGV halfway"));
    row("segfault in 1 of 3", "crash", 3, AwaitEnd,
        stopped + QStringLiteral("raising SIGSEGV halfway"));
    row("abort", "abort", 1, AwaitEnd, stopped + QStringLiteral("calling abort() halfway"));
    row("abort in 1 of 2", "abort", 2, AwaitEnd,
        stopped + QStringLiteral("calling abort() halfway"));
    row("exit without a result", "exit", 1, AwaitEnd,
        stopped + QStringLiteral("exiting with code 7 halfway, without a result"));
    row("exit without a result in 1 of 3", "exit", 3, AwaitEnd,
        stopped + QStringLiteral("exiting with code 7 halfway, without a result"));
    row("exit before the job starts", "early", 1, AwaitEnd, early);
    row("exit before the job starts in 1 of 2", "early", 2, AwaitEnd, early);
    row("hang, then Cancel", "hang", 1, CancelWhenHung, cancelled);
    row("hang in 1 of 3, then Cancel", "hang", 3, CancelWhenHung, cancelled);
    row("killed from outside", "ok", 1, KillWhenRunning,
        stopped + QStringLiteral("pid %pid works in mode ok"), 0);
    row("2 of 3 killed from outside", "ok", 3, KillWhenRunning,
        stopped + QStringLiteral("pid %pid works in mode ok"), 1);
    row("truncated result", "truncated", 1, AwaitEnd, cutShort);
    row("truncated result from 1 of 2", "truncated", 2, AwaitEnd, cutShort);
    row("garbage result", "garbage", 1, AwaitEnd, notOurs);
    row("garbage result from 1 of 3", "garbage", 3, AwaitEnd, notOurs);
    row("other format version", "version", 1, AwaitEnd, version);
    row("other format version from 1 of 2", "version", 2, AwaitEnd, version);
    // Length fields that say 4 GiB and 1 TiB, with nothing after them: the reader must neither
    // believe them nor reserve that much (VmPeak is checked).
    row("error of 4 GiB", "hugelength", 1, AwaitEnd, cutShort);
    row("error of 4 GiB from 1 of 3", "hugelength", 3, AwaitEnd, cutShort);
    row("result of 1 TiB", "hugeresult", 1, AwaitEnd, cutShort);
    row("result of 1 TiB from 1 of 2", "hugeresult", 2, AwaitEnd, cutShort);
    row("result of another run", "foreign", 1, AwaitEnd, foreign);
    row("result of another run from 1 of 3", "foreign", 3, AwaitEnd, foreign);
}

void tst_Faults::failingWorkerShowsOneLineAndNextStartWorks()
{
    QFETCH(QByteArray, mode);
    QFETCH(int, workers);
    QFETCH(int, action);
    QFETCH(int, victim);
    QFETCH(QString, message);

    auto window = newWindow();
    setWorkers(window.get(), workers);
    WaiterLog log(waiterOf(window.get()));
    const FilesAtEnd atEnd(waiterOf(window.get()), m_temp);
    const qint64 peakBefore = statusKiB("VmPeak");
    QList<qint64> pids;
    {
        // The first worker to start takes the mode; the others block forever, so that the app
        // must end them, or (when the fault is a hang) run to their end. A victim runs a long job.
        ScopedEnv modeEnv("TESTWORKER_MODE", mode);
        ScopedEnv once("TESTWORKER_ONCE", QFile::encodeName(m_temp + QLatin1String(".once")));
        ScopedEnv others("TESTWORKER_OTHERS", action == AwaitEnd ? "hang" : "ok");
        ScopedEnv millis("TESTWORKER_MILLIS", action == KillWhenRunning ? "600000" : "200");
        click(window.get(), "startButton");
        QTRY_COMPARE_WITH_TIMEOUT(workerPids(window.get()).size(), workers, TaskTimeout);
        pids = workerPids(window.get());
        if (action == CancelWhenHung) {
            QTRY_COMPARE_WITH_TIMEOUT(logsContaining(m_temp, "testworker: blocking forever"), 1,
                                      TaskTimeout);
            QVERIFY2(!isIdle(window.get()), "the task ended while a worker blocks");
            click(window.get(), "cancelButton");
        } else if (action == KillWhenRunning) {
            const QByteArray running =
                    "testworker: pid " + QByteArray::number(pids.at(victim)) + " works";
            QTRY_COMPARE_WITH_TIMEOUT(logsContaining(m_temp, running, victim + 1), 1, TaskTimeout);
            QVERIFY2(!isIdle(window.get()), "the task ended before its worker was killed");
            QCOMPARE(::kill(pid_t(pids.at(victim)), SIGKILL), 0);
        }
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    }

    const QString shown = status(window.get());
    qInfo("the user sees: %s", qUtf8Printable(shown));
    QVERIFY2(!shown.contains(u'\n'), "the status is more than one line");
    QVERIFY(log.succeeded.isEmpty());
    // The task's folder, with every worker's files, was gone when the waiter told of the end.
    QCOMPARE(atEnd.ends(), QList<QStringList> {QStringList()});
    if (action == CancelWhenHung) {
        QCOMPARE(shown, message);
        QCOMPARE(log.cancelled, 1);
        QVERIFY(log.failed.isEmpty());
    } else {
        QCOMPARE(log.failed, QStringList {shown}); // the window shows the waiter's message as it is
        QCOMPARE(log.cancelled, 0);
        // The failing worker: the one killed, or the one that took the mode.
        int culprit = workers == 1 ? 0 : victim;
        if (culprit < 0) {
            static const QRegularExpression named(QStringLiteral("[Ww]orker (\\d+) of "));
            culprit = named.match(shown).captured(1).toInt() - 1;
            QVERIFY2(culprit >= 0 && culprit < workers, qUtf8Printable(shown));
        }
        const QString name = workerName(culprit, workers, pids.at(culprit));
        QString expected = message;
        expected.replace(QLatin1String("%Name"), name)
                .replace(QLatin1String("%name"), name.toLower())
                .replace(QLatin1String("%pid"), QString::number(pids.at(culprit)));
        // A sanitizer adds its report to the log of a worker that crashed.
        const bool freeEnd = Sanitized && (mode == "crash" || mode == "abort");
        if (freeEnd)
            expected.truncate(expected.indexOf(QLatin1String("Its log ends with: ")));
        QVERIFY2(freeEnd ? shown.startsWith(expected) : shown == expected,
                 qUtf8Printable(QStringLiteral("expected: %1").arg(expected)));
    }
    verifyNothingLeft(pids);
    if (QTest::currentTestFailed())
        return;
    // Reading a result never reserves gigabytes, whatever its length fields say (VmPeak: the peak
    // of virtual memory, which counts an allocation even if it is never touched).
    const qint64 peakGrowthKiB = statusKiB("VmPeak") - peakBefore;
    QVERIFY2(peakGrowthKiB < 1024 * 1024,
             qPrintable(QStringLiteral("VmPeak grew by %1 MiB").arg(peakGrowthKiB / 1024)));

    verifyNextStartWorks(window.get(), workers);
}

void tst_Faults::unstartableWorkerSaysWhyAndNextStartWorks_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<int>("workers");

    const QString missing = m_base.filePath(QStringLiteral("no such worker"));
    QTest::newRow("binary does not exist") << missing << 1;
    QTest::newRow("binary does not exist, 3 workers") << missing << 3;
    const QString notExecutable = m_base.filePath(QStringLiteral("not a program"));
    QFile file(notExecutable);
    if (file.open(QIODevice::WriteOnly)) // read and write permissions only
        file.write("#!/bin/sh\nexit 0\n");
    QTest::newRow("file is not executable") << notExecutable << 1;
}

void tst_Faults::unstartableWorkerSaysWhyAndNextStartWorks()
{
    QFETCH(QString, program);
    QFETCH(int, workers);

    auto window = newWindow(program);
    setWorkers(window.get(), workers);
    WaiterLog log(waiterOf(window.get()));
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);

    const QString shown = status(window.get());
    qInfo("the user sees: %s", qUtf8Printable(shown));
    // The reason comes from the system, in its words: it is only required to be there.
    const QString prefix =
            QStringLiteral("Cannot start the worker %1: ").arg(QDir::toNativeSeparators(program));
    QVERIFY2(shown.startsWith(prefix) && shown.size() > prefix.size() + 1 && shown.endsWith(u'.')
                     && !shown.contains(u'\n'),
             qUtf8Printable(shown));
    QCOMPARE(log.failed, QStringList {shown});
    QVERIFY2(log.started.isEmpty(), "the window was told of workers that never started");
    QVERIFY(workerPids(window.get()).isEmpty());
    verifyNothingLeft({});
    if (QTest::currentTestFailed())
        return;

    useTestWorker(window.get());
    verifyNextStartWorks(window.get(), workers);
}

void tst_Faults::unusableTempDirSaysWhereAndNextStartWorks_data()
{
    QTest::addColumn<QString>("temp");

    // A read-only folder stops everyone but root, who ignores permission bits: that row checks
    // whether this process can write there, and skips when it can. The other rows stop root too.
    const QString readOnly = m_base.filePath(QStringLiteral("read-only"));
    QDir().mkpath(readOnly);
    QFile::setPermissions(readOnly, QFileDevice::ReadOwner | QFileDevice::ExeOwner);
    QTest::newRow("read-only folder") << readOnly;
    QTest::newRow("/proc") << QStringLiteral("/proc"); // not even root can make a folder there
    QTest::newRow("does not exist") << m_base.filePath(QStringLiteral("no such folder"));
    const QString file = m_base.filePath(QStringLiteral("a file"));
    QFile(file).open(QIODevice::WriteOnly);
    QTest::newRow("below a regular file") << file + QLatin1String("/tmp");
}

void tst_Faults::unusableTempDirSaysWhereAndNextStartWorks()
{
    QFETCH(QString, temp);

    if (QTest::currentDataTag() == QByteArray("read-only folder")) {
        QFile probe(temp + QLatin1String("/probe"));
        if (probe.open(QIODevice::WriteOnly)) {
            probe.remove();
            QSKIP("this process can write into a read-only folder (root ignores permission "
                  "bits): the other rows stop root too");
        }
    }
    // QDir::tempPath() is empty for a TMPDIR that does not exist: nothing may land in "/".
    const QStringList rootBefore =
            QDir::root().entryList({QStringLiteral(APP_NAME "-*")}, QDir::Dirs);

    auto window = newWindow();
    WaiterLog log(waiterOf(window.get()));
    useTempDir(temp);
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    useTempDir(m_temp);

    const QString shown = status(window.get());
    qInfo("TMPDIR=%s, uid %u; the user sees: %s", qUtf8Printable(temp), ::geteuid(),
          qUtf8Printable(shown));
    // The reason comes from the system, in its words: it is only required to be there.
    const QString prefix =
            QStringLiteral("Cannot create a folder for the task's files in %1: ").arg(temp);
    const QString suffix = QStringLiteral(". Point TMPDIR at a writable folder.");
    QVERIFY2(shown.startsWith(prefix) && shown.endsWith(suffix)
                     && shown.size() > prefix.size() + suffix.size() && !shown.contains(u'\n'),
             qUtf8Printable(shown));
    QCOMPARE(log.failed, QStringList {shown});
    QVERIFY(log.started.isEmpty());
    QCOMPARE(QDir::root().entryList({QStringLiteral(APP_NAME "-*")}, QDir::Dirs), rootBefore);
    verifyNothingLeft({});
    if (QTest::currentTestFailed())
        return;

    verifyNextStartWorks(window.get(), 1);
}

void tst_Faults::jobThatThrowsSaysWhatFailedAndNextStartWorks_data()
{
    QTest::addColumn<QByteArray>("step"); // of ThrowingJob; "task": the window's own job
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("index"); // the worker whose step throws
    QTest::addColumn<bool>("standard"); // a std::exception, else an int
    QTest::addColumn<QString>("message"); // with %name for worker `index`

    const QString prepared = QStringLiteral("The task's input could not be prepared: bad part.");
    const QString unread = QStringLiteral("The result of %name could not be read: bad part.");
    const QString combined =
            QStringLiteral("The workers' results could not be combined: bad part.");
    QTest::newRow("input") << QByteArray("input") << 1 << 0 << true << prepared;
    // Worker 1 runs already: it must be ended, and the window never hears of it.
    QTest::newRow("input of worker 2 of 3") << QByteArray("input") << 3 << 1 << true << prepared;
    QTest::newRow("reading a result") << QByteArray("readResult") << 1 << 0 << true << unread;
    QTest::newRow("reading the result of worker 2 of 2")
            << QByteArray("readResult") << 2 << 1 << true << unread;
    QTest::newRow("reading a result, not a std::exception")
            << QByteArray("readResult") << 1 << 0 << false
            << QStringLiteral("The result of %name could not be read: it threw something that is "
                              "not a std::exception.");
    QTest::newRow("combining") << QByteArray("result") << 1 << 0 << true << combined;
    QTest::newRow("combining 3 results") << QByteArray("result") << 3 << 0 << true << combined;
    // The window's own job, given the test worker's echo for a result: it does not decode.
    QTest::newRow("a result that is not the task's")
            << QByteArray("task") << 1 << 0 << true
            << QStringLiteral("The result of %name could not be read: it is not a result of this "
                              "task.");
}

// What the job throws on the waiter thread (preparing an input, decoding a result, combining the
// results) is the status message, which says what failed; the app stays usable.
void tst_Faults::jobThatThrowsSaysWhatFailedAndNextStartWorks()
{
    QFETCH(QByteArray, step);
    QFETCH(int, workers);
    QFETCH(int, index);
    QFETCH(bool, standard);
    QFETCH(QString, message);

    auto window = newWindow();
    Waiter *waiter = waiterOf(window.get());
    if (step == "task")
        waiter->setWorkerProgram(QStringLiteral(TEST_WORKER)); // the window's job, for the task
    else
        waiter->setWorkerProgram(QStringLiteral(TEST_WORKER), [=, w = window.get()](int) {
            return std::make_unique<ThrowingJob>(workersAsked(w), step, index, standard);
        });
    setWorkers(window.get(), workers);
    WaiterLog log(waiter);
    const FilesAtEnd atEnd(waiter, m_temp);
    {
        ScopedEnv mode("TESTWORKER_MODE", step == "task" ? "echo" : "ok");
        click(window.get(), "startButton");
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    }

    const QString shown = status(window.get());
    qInfo("the user sees: %s", qUtf8Printable(shown));
    const QList<qint64> pids = workerPids(window.get());
    QCOMPARE(pids.size(), step == "input" ? 0 : workers); // no worker is told of before all run
    if (step != "input") {
        const QString name = workerName(index, workers, pids.at(index)).toLower();
        message.replace(QLatin1String("%name"), name);
    }
    QCOMPARE(shown, message);
    QCOMPARE(log.failed, QStringList {shown});
    QVERIFY(log.succeeded.isEmpty());
    QCOMPARE(atEnd.ends(), QList<QStringList> {QStringList()});
    verifyNothingLeft(pids);
    if (QTest::currentTestFailed())
        return;

    useTestWorker(window.get());
    verifyNextStartWorks(window.get(), workers);
}

void tst_Faults::pathsWithSpacesAndNonAsciiWork()
{
    const QString folder = m_base.filePath(QStringLiteral("app folder é ü 日本"));
    const QString program = folder + QStringLiteral("/test worker ü");
    QVERIFY(QDir().mkpath(folder));
    QVERIFY(QFile::copy(QStringLiteral(TEST_WORKER), program));
    QVERIFY(QFile::setPermissions(program, QFile::permissions(QStringLiteral(TEST_WORKER))));
    m_temp = m_base.filePath(QStringLiteral("temp folder é ü 日本"));
    QVERIFY(QDir().mkpath(m_temp));
    useTempDir(m_temp);
    QCOMPARE(QDir::tempPath(), m_temp);

    auto window = newWindow(program);
    setWorkers(window.get(), 2);
    WaiterLog log(waiterOf(window.get()));
    {
        ScopedEnv mode("TESTWORKER_MODE", "args"); // each worker returns its pid and arguments
        click(window.get(), "startButton");
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    }
    qInfo("the user sees: %s", qUtf8Printable(status(window.get())));
    QCOMPARE(status(window.get()), QStringLiteral("Done."));
    QCOMPARE(log.succeeded.size(), 1);
    const QList<qint64> pids = workerPids(window.get());
    QCOMPARE(pids.size(), 2);
    // Each worker got the paths of its files whole, in a task folder in that TMPDIR, and its
    // result came back whole.
    for (int index = 0; index < 2; ++index) {
        const QString echo = QString::fromUtf8(log.succeeded.constFirst().at(index));
        const QRegularExpression expected(QRegularExpression::anchoredPattern(
                QStringLiteral("pid %1: --worker --input (%2/%3-[A-Za-z0-9]{6})/worker-%4\\."
                               "([A-Za-z0-9]{6})\\.input --result \\1/worker-%4\\.\\2 --token "
                               "[0-9a-z]+")
                        .arg(QString::number(pids.at(index)), QRegularExpression::escape(m_temp),
                             QStringLiteral(APP_NAME), QString::number(index + 1))));
        QVERIFY2(expected.match(echo).hasMatch(), qUtf8Printable(echo));
    }
    verifyNothingLeft(pids);
    if (QTest::currentTestFailed())
        return;
    verifyNextStartWorks(window.get(), 2);
}

// A running worker's command line (as /proc shows it, and as `ps` does to every user) names its
// files and its token, nothing of its task: however big the input (1 MiB to each worker here), it
// stays under 1 KiB. (tst_demotask checks the same of the app's own task.)
void tst_Faults::workerCommandLineHoldsNoTaskData()
{
    const QByteArray marker("TASK-DATA:");
    const QString program = QStringLiteral(TEST_WORKER);
    ScopedEnv millis("TESTWORKER_MILLIS", "600000"); // it runs until Cancel
    auto window = newWindow(program);
    const QByteArray input = marker.repeated((1 << 20) / marker.size());
    useTestWorker(window.get(), program, input);
    setWorkers(window.get(), 2);
    click(window.get(), "startButton");
    QTRY_COMPARE_WITH_TIMEOUT(workerPids(window.get()).size(), 2, TaskTimeout);
    const QList<qint64> pids = workerPids(window.get());

    for (int index = 0; index < 2; ++index) {
        const qint64 pid = pids.at(index);
        const QRegularExpression inputPath(QRegularExpression::anchoredPattern(
                QStringLiteral("%1/%2-[A-Za-z0-9]{6}/worker-%3\\.[A-Za-z0-9]{6}\\.input")
                        .arg(QRegularExpression::escape(m_temp), QStringLiteral(APP_NAME))
                        .arg(index + 1)));
        const QString path = QStringLiteral("/proc/%1/cmdline").arg(pid);
        // Until the exec, the pid runs a copy of this test.
        QTRY_VERIFY_WITH_TIMEOUT(readAll(path).startsWith(QFile::encodeName(program) + '\0'),
                                 TaskTimeout);
        const QByteArray commandLine = readAll(path);
        qInfo("worker pid %lld: %d bytes of command line: %s", pid, int(commandLine.size()),
              QByteArray(commandLine).replace('\0', ' ').constData());
        QVERIFY2(commandLine.size() < 1024, qPrintable(QString::number(commandLine.size())));
        QVERIFY(!commandLine.contains(marker));
        QVERIFY(!commandLine.contains("--trials"));
        QVERIFY(!commandLine.contains("--seed"));
        QByteArrayList arguments = commandLine.split('\0');
        QCOMPARE(arguments.takeLast(), QByteArray()); // each argument ends with a NUL
        QCOMPARE(arguments.size(), 8);
        QCOMPARE(arguments.at(1), QByteArray("--worker"));
        QCOMPARE(arguments.at(2), QByteArray("--input"));
        const QString input = QFile::decodeName(arguments.at(3));
        QVERIFY2(inputPath.match(input).hasMatch(), qUtf8Printable(input));
        QCOMPARE(arguments.at(4), QByteArray("--result"));
        QCOMPARE(QFile::decodeName(arguments.at(5)) + QLatin1String(".input"), input);
        QCOMPARE(arguments.at(6), QByteArray("--token"));
        QVERIFY2(QRegularExpression(QStringLiteral("^[0-9a-z]{1,13}$"))
                         .match(QString::fromLatin1(arguments.at(7)))
                         .hasMatch(),
                 arguments.at(7).constData());
    }
    QVERIFY2(!isIdle(window.get()), "the task ended before Cancel");
    click(window.get(), "cancelButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(status(window.get()), QStringLiteral("Cancelled."));
    verifyNothingLeft(pids);
}

// TMPDIR is shared: the sweep of folders left by killed apps must touch nothing but those.
void tst_Faults::sweepRemovesOnlyDeadFoldersOfItsOwn()
{
    const QString outside = m_base.filePath(QStringLiteral("user files"));
    QVERIFY(QDir().mkpath(outside));
    const auto plant = [](const QString &path, const QByteArray &data = "user data\n") {
        QVERIFY(QDir().mkpath(QFileInfo(path).path()));
        QFile file(path);
        QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(path));
        file.write(data);
        file.close();
        // Old enough for any age rule; the sweep must not have one.
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.setFileTime(QDateTime::currentDateTime().addDays(-2),
                                 QFileDevice::FileModificationTime));
    };
    const QString prefix = m_temp + QStringLiteral("/" APP_NAME "-");
    const QStringList kept = {
            prefix + QStringLiteral("1.0.0/src/main.cpp"), // a source tree named like the app
            m_temp + QStringLiteral("/LongTaskRunnin-notes/notes.txt"), // the name in other case
            m_temp + QStringLiteral("/" APP_NAME "-").toUpper()
                    + QStringLiteral("ABCDEF/worker-1.ABCDEF"), // the pattern in other case
            prefix + QStringLiteral("Ab12Cd/worker-1.Ab12Cd"), // the pattern, but no host.lock
            prefix + QStringLiteral("Ab12Ce/notes.txt"), // dead, but with files not of ours
            prefix + QStringLiteral("Ab12Ce/worker-1.result.txt"),
            prefix + QStringLiteral("Ab12Ce/worker-1.Ab12Ce.input.txt"),
            prefix + QStringLiteral("Ab12Cj/worker-1.Ab12Cj"), // its host.lock is a symlink
            prefix + QStringLiteral("Ab12Cl/worker-1.Ab12Cl"), // its host.lock is a folder
            outside + QStringLiteral("/precious.txt"), // reached only through symlinks
            outside + QStringLiteral("/host.lock"),
            // Issue 16: a user's folder of the pattern, its files of the names a task uses.
            prefix + QStringLiteral("backup/host.lock"),
            prefix + QStringLiteral("backup/worker-1.result"),
            prefix + QStringLiteral("backup/worker-2.backup.log"),
            prefix + QStringLiteral("Ab12Cm/worker-1.Ab12Cm"), // its host.lock is another program's
    };
    for (const QString &path : kept)
        plant(path);
    // The lock of a killed app of this program, as QLockFile writes it: its pid, then the name of
    // its executable. The pid is of no use to anyone: the lock is free.
    const QByteArray deadLock = "4194304\n"
            + QFileInfo(QCoreApplication::applicationFilePath()).fileName().toUtf8() + '\n'
            + QSysInfo::machineHostName().toUtf8() + '\n';
    plant(prefix + QStringLiteral("Ab12Cm/host.lock"),
          "4194304\nanotherprogram\n" + QSysInfo::machineHostName().toUtf8() + '\n');
    plant(prefix + QStringLiteral("Ab12Ce/host.lock"), deadLock);
    QVERIFY(QFile::link(outside, prefix + QStringLiteral("Ab12Cf"))); // a symlink to user files
    QVERIFY(QFile::link(outside + QStringLiteral("/host.lock"),
                        prefix + QStringLiteral("Ab12Cj/host.lock")));
    QVERIFY(QDir().mkpath(prefix + QStringLiteral("Ab12Cl/host.lock")));
    // A dead task folder of this app, its host.lock free, with every kind of file a task makes.
    // Only this folder goes.
    for (const char *name :
         {"host.lock", "worker-1.Ab12Cg", "worker-1.Ab12Cg.input", "worker-1.Ab12Cg.lock",
          "worker-1.Ab12Cg.log", "worker-12.zZ9yY8.log", "worker-12.zZ9yY8.input"})
        plant(prefix + QStringLiteral("Ab12Cg/") + QLatin1String(name), deadLock);
    // A dead one whose log and input are symlinks to user files: its host.lock goes, the links
    // stay.
    plant(prefix + QStringLiteral("Ab12Ck/host.lock"), deadLock);
    QVERIFY(QFile::link(outside + QStringLiteral("/precious.txt"),
                        prefix + QStringLiteral("Ab12Ck/worker-1.Ab12Ck.log")));
    QVERIFY(QFile::link(outside + QStringLiteral("/precious.txt"),
                        prefix + QStringLiteral("Ab12Ck/worker-1.Ab12Ck.input")));
    // An empty one, as an app killed between the removal of its host.lock and of its folder leaves:
    // it goes, for nothing is lost with it.
    QVERIFY(QDir().mkpath(prefix + QStringLiteral("Ab12Cn")));
    // A live app's folder: its host.lock is held.
    QVERIFY(QDir().mkpath(prefix + QStringLiteral("Ab12Ch")));
    QLockFile live(prefix + QStringLiteral("Ab12Ch/host.lock"));
    QVERIFY(live.tryLock(0));
    // Another user's dead folder, where the test can make one (as root).
    const QString foreign = prefix + QStringLiteral("Ab12Ci");
    plant(foreign + QStringLiteral("/host.lock"), deadLock);
    const bool root = ::geteuid() == 0;
    if (root)
        QCOMPARE(::chown(QFile::encodeName(foreign).constData(), 65534, 65534), 0);
    if (QTest::currentTestFailed())
        return;

    auto window = newWindow();
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(status(window.get()), QStringLiteral("Done."));
    QTRY_VERIFY_WITH_TIMEOUT(!anyProcessExists(workerPids(window.get())), SettleTimeout);

    for (const QString &path : kept)
        QVERIFY2(QFileInfo::exists(path), qPrintable(path + QStringLiteral(" was deleted")));
    QCOMPARE(readAll(outside + QStringLiteral("/precious.txt")), QByteArray("user data\n"));
    QVERIFY2(!QFileInfo::exists(prefix + QStringLiteral("Ab12Cg")), "a dead folder was kept");
    QVERIFY2(!QFileInfo::exists(prefix + QStringLiteral("Ab12Cn")), "an empty folder was kept");
    QVERIFY(!QFileInfo::exists(prefix + QStringLiteral("Ab12Ce/host.lock")));
    QVERIFY(!QFileInfo::exists(prefix + QStringLiteral("Ab12Ck/host.lock")));
    QVERIFY(QFileInfo(prefix + QStringLiteral("Ab12Ck/worker-1.Ab12Ck.log")).isSymLink());
    QVERIFY(QFileInfo(prefix + QStringLiteral("Ab12Ck/worker-1.Ab12Ck.input")).isSymLink());
    QVERIFY(QFileInfo(prefix + QStringLiteral("Ab12Cf")).isSymLink());
    QVERIFY(QFileInfo(prefix + QStringLiteral("Ab12Cj/host.lock")).isSymLink());
    QVERIFY(QFileInfo(prefix + QStringLiteral("Ab12Cl/host.lock")).isDir());
    QVERIFY(QFileInfo::exists(prefix + QStringLiteral("Ab12Ch/host.lock")));
    QCOMPARE(QFileInfo::exists(foreign + QStringLiteral("/host.lock")), root);
    // And the task's own folder is gone: only what was planted is left.
    QStringList planted = {QStringLiteral("LongTaskRunnin-notes"),
                           QStringLiteral(APP_NAME "-").toUpper() + QStringLiteral("ABCDEF")};
    for (const char *name : {"1.0.0", "Ab12Cd", "Ab12Ce", "Ab12Cf", "Ab12Ch", "Ab12Cj", "Ab12Ck",
                             "Ab12Cl", "Ab12Cm", "backup"})
        planted << QStringLiteral(APP_NAME "-") + QLatin1String(name);
    if (root)
        planted << QStringLiteral(APP_NAME "-Ab12Ci");
    planted.sort();
    QStringList left = filesIn(m_temp);
    left.sort();
    QCOMPARE(left, planted);

    live.unlock();
    for (const QString &name : planted) {
        const QFileInfo entry(m_temp + QLatin1Char('/') + name);
        QVERIFY(entry.isSymLink() ? QFile::remove(entry.filePath())
                                  : QDir(entry.filePath()).removeRecursively());
    }
    verifyNothingLeft({});
    if (QTest::currentTestFailed())
        return;
    verifyNextStartWorks(window.get(), 1);
}

void tst_Faults::startPressedTwiceStartsOneTask()
{
    auto window = newWindow();
    WaiterLog log(waiterOf(window.get()));
    click(window.get(), "startButton");
    click(window.get(), "startButton");
    QTest::mouseDClick(widget<QPushButton>(window.get(), "startButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);

    qInfo("the user sees: %s", qUtf8Printable(status(window.get())));
    QCOMPARE(status(window.get()), QStringLiteral("Done."));
    QCOMPARE(log.started.size(), 1);
    QCOMPARE(log.started.constFirst().size(), 1);
    QCOMPARE(log.succeeded, QList<QList<QByteArray>> {{defaultResultBytes()}});
    verifyNothingLeft(log.started.constFirst());
}

// Start is pressed the moment the window enables it again, as a user with a quick finger or a
// script would: when the waiter's QThread::finished() arrives, while its thread may still be
// ending. Each press must start a task; a lost one leaves Start disabled and no task running.
void tst_Faults::startPressedTheMomentATaskEndsStartsTheNextTask()
{
    constexpr int Presses = 100;
    ScopedEnv millis("TESTWORKER_MILLIS", "0");
    auto window = newWindow();
    Waiter *waiter = waiterOf(window.get());
    WaiterLog log(waiter);
    int ended = 0;
    int pressed = 0;
    bool enabled = true;
    QObject presser;
    // Connected after the window's own slot for finished(), which enables Start: runs just after.
    connect(waiter, &QThread::finished, &presser, [&] {
        ++ended;
        if (pressed < Presses) {
            ++pressed;
            enabled = enabled && isIdle(window.get());
            click(window.get(), "startButton");
        }
    });
    click(window.get(), "startButton");
    for (int task = 1; task <= Presses + 1 && enabled; ++task) {
        QTRY_VERIFY2_WITH_TIMEOUT(
                ended >= task,
                qPrintable(QStringLiteral("press %1 was lost: the window shows "
                                          "\"%2\", with Start %3")
                                   .arg(pressed)
                                   .arg(status(window.get()),
                                        isIdle(window.get()) ? QStringLiteral("enabled")
                                                             : QStringLiteral("disabled"))),
                TaskTimeout);
    }
    QVERIFY2(enabled, "Start was still disabled when finished() arrived");
    qInfo("%d presses, %d tasks started, %d succeeded; the user sees: %s", pressed,
          int(log.started.size()), int(log.succeeded.size()), qUtf8Printable(status(window.get())));
    QCOMPARE(pressed, Presses);
    QCOMPARE(ended, Presses + 1);
    QCOMPARE(log.started.size(), Presses + 1);
    QCOMPARE(log.succeeded,
             QList<QList<QByteArray>>(Presses + 1, QList<QByteArray> {defaultResultBytes()}));
    QVERIFY(log.failed.isEmpty());
    QVERIFY(isIdle(window.get()));
    QCOMPARE(status(window.get()), QStringLiteral("Done."));
    QList<qint64> pids;
    for (const QList<qint64> &started : std::as_const(log.started))
        pids << started;
    verifyNothingLeft(pids);
}

void tst_Faults::quitDuringWorkerStartUpLeavesNothing_data()
{
    QTest::addColumn<QByteArray>("delay"); // before the worker's machinery starts, in ms
    QTest::addColumn<bool>("waitForPids");

    QTest::newRow("Quit at once") << QByteArray("0") << false;
    // The app waits 2 s for stopped workers: one of these starts while it waits, the other after
    // it removed the task's folder.
    QTest::newRow("worker starts 1 s late") << QByteArray("1000") << true;
    QTest::newRow("worker starts 4 s late") << QByteArray("4000") << true;
}

void tst_Faults::quitDuringWorkerStartUpLeavesNothing()
{
    QFETCH(QByteArray, delay);
    QFETCH(bool, waitForPids);

    ScopedEnv slow("TESTWORKER_START_DELAY_MILLIS", delay);
    auto window = newWindow();
    click(window.get(), "startButton");
    if (waitForPids)
        QTRY_VERIFY_WITH_TIMEOUT(!workerPids(window.get()).isEmpty(), TaskTimeout);
    const bool running = !workerLogs(m_temp).isEmpty()
            && logsContaining(m_temp, "testworker: pid ") == workerLogs(m_temp).size();
    click(window.get(), "quitButton");
    QVERIFY(!window->isVisible());
    const QList<qint64> pids = workerPids(window.get());
    window.reset(); // as when main() returns: waits for the waiter thread
    qInfo("at Quit, the window knew %d worker(s), %s", int(pids.size()),
          running ? "already working" : "not working yet");
    verifyNothingLeft(pids);
}

void tst_Faults::startHost(QProcess *host, int workers, QList<qint64> *pids)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    // Without XDG_RUNTIME_DIR, Qt may make a runtime folder in TMPDIR: not in the one checked.
    const QString runtime = m_base.filePath(QStringLiteral("runtime"));
    QVERIFY(QDir().mkpath(runtime));
    QVERIFY(QFile::setPermissions(
            runtime, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner));
    environment.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime);
    host->setProcessEnvironment(environment);
    host->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    host->start(QCoreApplication::applicationFilePath(),
                {QStringLiteral("--host"), QString::number(workers)});
    QVERIFY2(host->waitForStarted(), qPrintable(host->errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(host->canReadLine(), TaskTimeout);
    const QByteArray line = host->readLine().trimmed();
    QVERIFY2(line.startsWith("pids "), line.constData());
    for (const QByteArray &pid : line.mid(5).split(' '))
        *pids << pid.toLongLong();
    QCOMPARE(pids->size(), workers);
}

void tst_Faults::workersOfAKilledAppEndAndRemoveTheirFolder_data()
{
    QTest::addColumn<int>("workers");
    QTest::newRow("1 worker") << 1;
    QTest::newRow("3 workers") << 3;
}

// The app is killed (SIGKILL: no chance to clean up) while its workers run jobs that check no
// flag: they notice by themselves, end, and the last one removes the task's folder.
void tst_Faults::workersOfAKilledAppEndAndRemoveTheirFolder()
{
    QFETCH(int, workers);
    ScopedEnv mode("TESTWORKER_MODE", "hang");
    QProcess host;
    QList<qint64> pids;
    startHost(&host, workers, &pids);
    if (QTest::currentTestFailed())
        return;
    QTRY_COMPARE_WITH_TIMEOUT(logsContaining(m_temp, "testworker: blocking forever"), workers,
                              TaskTimeout);
    QCOMPARE(filesIn(m_temp).size(), 1);

    host.kill();
    QVERIFY(host.waitForFinished());
    verifyNothingLeft(pids);
}

// The app and its workers are killed at once (a power cut, the OOM killer): the task's folder
// stays behind, and the next Start of any app of ours removes it.
void tst_Faults::nextStartRemovesWhatAKilledAppLeft()
{
    {
        ScopedEnv mode("TESTWORKER_MODE", "hang");
        QProcess host;
        QList<qint64> pids;
        startHost(&host, 2, &pids);
        if (QTest::currentTestFailed())
            return;
        QTRY_COMPARE_WITH_TIMEOUT(logsContaining(m_temp, "testworker: blocking forever"), 2,
                                  TaskTimeout);
        // Stopped first, the workers cannot see their app die and clean up.
        for (qint64 pid : pids) {
            QCOMPARE(::kill(pid_t(pid), SIGSTOP), 0);
            QTRY_COMPARE_WITH_TIMEOUT(processState(pid), 'T', SettleTimeout);
        }
        host.kill();
        QVERIFY(host.waitForFinished());
        for (qint64 pid : pids)
            QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!anyProcessExists(pids), SettleTimeout);
    }
    const QStringList left = filesIn(m_temp);
    QCOMPARE(left.size(), 1);
    qInfo("left behind: %s: %s", qUtf8Printable(left.constFirst()),
          qUtf8Printable(filesIn(m_temp + QLatin1Char('/') + left.constFirst()).join(u' ')));
    QVERIFY(QFileInfo::exists(m_temp + QLatin1Char('/') + left.constFirst()
                              + QLatin1String("/host.lock")));

    auto window = newWindow();
    verifyNextStartWorks(window.get(), 1); // which checks that TMPDIR is empty again
}

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    if (argc == 3 && qstrcmp(argv[1], "--host") == 0)
        return runHost(QByteArray(argv[2]).toInt());
    tst_Faults test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_faults.moc"
