// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The findings of an adversarial run (issue 10), each a test: a user or another program that kills
// the app, stops its workers, starves it of threads, descriptors, disk or path length, and plants
// files where its workers write. Through the real window (in this process, or in a process of its
// own when the app is killed or starved: runHostApp()), the real waiter and real worker processes.
// Finding 1, the sweep of dead folders, is tst_faults' sweepRemovesOnlyDeadFoldersOfItsOwn.

#include "reliability.h"

#include <QAccessible>
#include <QApplication>
#include <QBuffer>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileSystemWatcher>
#include <QLockFile>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QStorageInfo>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <climits> // PATH_MAX
#include <memory>
#include <stdexcept>
#include <utility>

#include <fcntl.h> // ::openat, ::mkdirat: a path longer than PATH_MAX
#include <sys/file.h> // ::flock: a lock held as QLockFile holds one
#include <sys/mount.h> // ::mount, ::umount2: a full disk
#include <sys/stat.h> // ::umask, ::lstat, ::mkfifo
#include <unistd.h> // ::geteuid, ::close

namespace {
// A failure must reach the window in well under a second: it takes a few ms (a worker's end wakes
// the waiter; elsewhere than on Linux it looks every 50 ms), so a second leaves room for a loaded
// machine and sanitizers. Each test prints the time it measured.
constexpr qint64 FastReport = 1000;
// The waiter gives stopped workers 2 s to end, then kills them.
constexpr qint64 KillAfterGrace = 4000;
// A result of another run: the right format, another token.
const QByteArray PlantedResult("a result of another run");
const QByteArray PlantedToken("a token of another run");

// How the app names a worker in its messages (%Name; %name in mid-sentence).
QString workerName(int index, int count, qint64 pid)
{
    return count == 1
            ? QStringLiteral("The worker (pid %1)").arg(pid)
            : QStringLiteral("Worker %1 of %2 (pid %3)").arg(index + 1).arg(count).arg(pid);
}

QByteArray resultOfAnotherRun()
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    DataFile::write(&buffer, {PlantedToken, {}, PlantedResult});
    return bytes;
}

// The one task folder in `temp`, or nothing.
QString taskFolder(const QString &temp)
{
    const QStringList folders =
            QDir(temp).entryList({QStringLiteral(APP_NAME "-??????")}, QDir::Dirs);
    return folders.size() == 1 ? temp + u'/' + folders.constFirst() : QString();
}

// Worker `index`'s result file (worker-INDEX.XXXXXX) in the task folder in `temp`, or nothing.
QString resultFileIn(const QString &temp, int index = 1)
{
    const QString folder = taskFolder(temp);
    const QStringList files = QDir(folder).entryList(
            {QStringLiteral("worker-%1.??????").arg(index)}, QDir::Files | QDir::System);
    return folder.isEmpty() || files.size() != 1 ? QString() : folder + u'/' + files.constFirst();
}

// A file's permission bits, the link itself for a symlink; -1 if it is not there.
int modeOf(const QString &path)
{
    struct stat status = {};
    return ::lstat(QFile::encodeName(path).constData(), &status) == 0 ? int(status.st_mode & 07777)
                                                                      : -1;
}

// Makes a folder whose path is `length` characters long, below `base`, a name at a time, each
// relative to the last: so a path longer than PATH_MAX can be made at all.
QString makeLongFolder(const QString &base, int length)
{
    QString path = base;
    int folder = ::open(QFile::encodeName(base).constData(), O_RDONLY | O_DIRECTORY);
    while (folder >= 0 && path.size() < length) {
        // Names of up to 200 characters, and never one of none: so not 200 when 201 are left.
        const int left = length - int(path.size()) - 1; // after the slash
        const QByteArray name(left == 201 ? 199 : qMin(200, left), 'd');
        path += u'/' + QString::fromLatin1(name);
        ::mkdirat(folder, name.constData(), 0700);
        const int next = ::openat(folder, name.constData(), O_RDONLY | O_DIRECTORY);
        ::close(folder);
        folder = next;
    }
    if (folder < 0)
        return {};
    ::close(folder);
    return path;
}

// A message for the log, with the long folder names of overLongPathIsNamedInTheMessage cut short.
QString shortened(QString text)
{
    static const QRegularExpression longName(QStringLiteral("d{20,}"));
    return text.replace(longName, QStringLiteral("d..."));
}

// Writes bytes into a file opened Unbuffered, in one write(2): another process that reads the file
// sees all of them or none.
bool writeAtOnce(QFile *file, const QByteArray &bytes)
{
    return file->write(bytes) == bytes.size();
}

// This program run as `tst_hostile --worker ...`: the product's real worker machinery, with a job
// that throws the text of HOSTILE_THROW, as a task would throw its own message.
int runThrowingWorker(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    Worker::addOptions(parser);
    parser.process(app);
    Worker worker(parser, [](const QByteArray &, const Task::Progress &, QString *) -> QByteArray {
        throw std::runtime_error(qgetenv("HOSTILE_THROW").toStdString());
    });
    return worker.exec();
}
} // namespace

class tst_Hostile : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    // 2: kill -9 of the app leaked a task folder.
    void lastWorkerOfAKilledAppRemovesTheFolder_data();
    void lastWorkerOfAKilledAppRemovesTheFolder();
    void nextStartRemovesWhatAKilledAppAndWorkerLeft_data();
    void nextStartRemovesWhatAKilledAppAndWorkerLeft();
    // 3: a thread that cannot be created hung silently.
    void workerThatCannotMakeItsThreadSaysSoAtOnce();
    void appThatCannotMakeItsWaiterThreadSaysSoAndStartsLater();
    // 4: a worker dead before its lock took 10 s to be reported.
    void workerDeadBeforeItsLockIsReportedAtOnce_data();
    void workerDeadBeforeItsLockIsReportedAtOnce();
    // 5: messages that did not name the cause.
    void fullDiskIsNamedInTheMessage_data();
    void fullDiskIsNamedInTheMessage();
    void tooManyOpenFilesIsNamedInTheMessage_data();
    void tooManyOpenFilesIsNamedInTheMessage();
    void overLongPathIsNamedInTheMessage_data();
    void overLongPathIsNamedInTheMessage();
    // 6: text rendered as HTML.
    void markupInAMessageIsShownAsText_data();
    void markupInAMessageIsShownAsText();
    // 7: stopped and blocked workers outlived Cancel, Quit and their app.
    void stoppedWorkerIsKilledByCancelAndQuit_data();
    void stoppedWorkerIsKilledByCancelAndQuit();
    void fifoOrSymlinkAtTheResultPathIsRefused_data();
    void fifoOrSymlinkAtTheResultPathIsRefused();
    // 8: planted and stale results were accepted; host.lock followed the umask.
    void resultOfAnotherRunIsNeverAccepted_data();
    void resultOfAnotherRunIsNeverAccepted();
    void resultFileReplacedDuringTheTaskIsNeverAccepted();
    void hugeSparseFileInPlaceOfTheResultDoesNotGrowTheApp();
    void everyTaskFileIsOwnerOnlyUnderUmask000();
    // Issue 15: the input travels in a file, which is trusted no more than a result.
    void inputFileDamagedOrReplacedIsRefused_data();
    void inputFileDamagedOrReplacedIsRefused();
    // Issue 16: the sweep's last holes, and failures told once, truly and readably.
    void stoppedWorkerOfAKilledAppIsEndedByTheNextStart();
    void appKilledAroundTheEndOfATaskLeavesNothingForGood();
    void sweepLeavesAloneWhatItCannotProveItsWorker();
    void onlyTheWorkersReallyKilledAreLogged();
    void longMessageNeitherResizesNorSquashesTheWindow_data();
    void longMessageNeitherResizesNorSquashesTheWindow();
    void resultTooBigForMemoryIsToldWithItsSize();
    void resultFileChangedAfterItsWorkerFinishedIsToldSo_data();
    void resultFileChangedAfterItsWorkerFinishedIsToldSo();

private:
    void useTempDir(const QString &path);
    QString script(const QString &name, const QByteArray &body);
    void verifyNothingLeft(const QList<qint64> &pids);
    void runToEnd(QWidget *window, qint64 *millis = nullptr);
    void killAppWithWorker1Stopped(int workers, QList<qint64> *pids);
    void verifyStartWorks(QWidget *window);

    QTemporaryDir m_base; // everything the test makes, made before TMPDIR changes
    QString m_temp; // the app's TMPDIR in this test, inherited by its workers
    QString m_mount; // a small tmpfs, while a test has one mounted
    int m_tests = 0;
};

void tst_Hostile::initTestCase()
{
    QVERIFY2(m_base.isValid(), qPrintable(m_base.errorString()));
}

// Each test gets a TMPDIR of its own, so that "nothing left behind" can be checked.
void tst_Hostile::init()
{
    m_temp = m_base.filePath(QStringLiteral("tmp%1").arg(++m_tests));
    QVERIFY(QDir().mkpath(m_temp));
    m_temp = QDir(m_temp).canonicalPath(); // the form QDir::tempPath() gives
    useTempDir(m_temp);
}

void tst_Hostile::cleanup()
{
    // Keep one failure from failing the tests after it: workers of ours that still run go.
    if (QTest::currentTestFailed()) {
        for (qint64 pid : processesMentioning(m_base.path())) {
            ::kill(pid_t(pid), SIGKILL);
            ::kill(pid_t(pid), SIGCONT);
        }
    }
    if (!m_mount.isEmpty())
        ::umount2(QFile::encodeName(std::exchange(m_mount, {})).constData(), MNT_DETACH);
}

void tst_Hostile::useTempDir(const QString &path)
{
    qputenv("TMPDIR", QFile::encodeName(path));
}

// An executable shell script in the test's folder, to stand in for the worker.
QString tst_Hostile::script(const QString &name, const QByteArray &body)
{
    const QString path = m_base.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    file.write("#!/bin/sh\n" + body + '\n');
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return path;
}

// No worker of ours runs (zombies aside: see processExists) and the app's TMPDIR is empty.
void tst_Hostile::verifyNothingLeft(const QList<qint64> &pids)
{
    for (qint64 pid : pids) {
        QTRY_VERIFY2_WITH_TIMEOUT(!processExists(pid),
                                  qPrintable(QStringLiteral("worker pid %1 still runs").arg(pid)),
                                  SettleTimeout);
    }
    QTRY_VERIFY2_WITH_TIMEOUT(processesMentioning(m_base.path()).isEmpty(),
                              qPrintable(QStringLiteral("a worker still runs, pid %1")
                                                 .arg(processesMentioning(m_base.path()).value(0))),
                              SettleTimeout);
    QTRY_VERIFY2_WITH_TIMEOUT(
            filesIn(m_temp).isEmpty(),
            qPrintable(QStringLiteral("left in %1: %2").arg(m_temp, filesIn(m_temp).join(u' '))),
            SettleTimeout);
}

// Clicks Start and waits for the task's end; `millis` gets the time from the click to the end.
void tst_Hostile::runToEnd(QWidget *window, qint64 *millis)
{
    QElapsedTimer clock;
    clock.start();
    click(window, "startButton");
    QVERIFY(QTest::qWaitFor([window] { return isIdle(window); }, TaskTimeout));
    if (millis)
        *millis = clock.elapsed();
    qInfo("the user sees, after %lld ms: %s", qint64(clock.elapsed()),
          qUtf8Printable(shortened(status(window))));
}

// The app is still usable: the next Start of a job that works gives the worker's result.
void tst_Hostile::verifyStartWorks(QWidget *window)
{
    ScopedEnv mode("TESTWORKER_MODE", "ok");
    ScopedEnv millis("TESTWORKER_MILLIS", "100");
    WaiterLog log(waiterOf(window));
    runToEnd(window);
    QCOMPARE(status(window), QStringLiteral("Done."));
    QCOMPARE(log.succeeded,
             QList<QList<QByteArray>> {
                     QList<QByteArray>(workerPids(window).size(), defaultResultBytes())});
}

// The app runs `workers` workers (jobs that run for minutes); worker 1 is stopped, the app is
// killed, and the other workers, which saw it die, are gone.
void tst_Hostile::killAppWithWorker1Stopped(int workers, QList<qint64> *pids)
{
    ScopedEnv millis("TESTWORKER_MILLIS", "600000");
    HostApp app;
    QVERIFY(app.start(workers, m_base.filePath(QStringLiteral("runtime"))));
    app.send("start");
    const auto started = app.next("pids");
    QVERIFY2(started, "the app started no workers");
    *pids = HostApp::pidsOf(*started);
    QCOMPARE(pids->size(), workers);
    QTRY_COMPARE_WITH_TIMEOUT(logsContaining(m_temp, "testworker: pid "), workers, TaskTimeout);
    QVERIFY(stopProcess(pids->constFirst()));
    app.process().kill();
    QVERIFY(app.waitForExit());
    QTRY_VERIFY_WITH_TIMEOUT(!anyProcessExists(pids->mid(1)), SettleTimeout);
    QVERIFY(processExists(pids->constFirst()));
    const QStringList left = filesIn(taskFolder(m_temp));
    qInfo("with worker 1 stopped, the task folder holds: %s", qUtf8Printable(left.join(u' ')));
}

void tst_Hostile::lastWorkerOfAKilledAppRemovesTheFolder_data()
{
    QTest::addColumn<int>("workers");
    QTest::newRow("1 worker") << 1;
    QTest::newRow("2 workers") << 2;
    QTest::newRow("3 workers") << 3;
}

// The reproduction: `kill -STOP <w1>; kill -9 <app>`, the others end, `kill -CONT <w1>`.
// Whichever worker ends last, the folder goes with it.
void tst_Hostile::lastWorkerOfAKilledAppRemovesTheFolder()
{
    QFETCH(int, workers);
    QList<qint64> pids;
    killAppWithWorker1Stopped(workers, &pids);
    if (QTest::currentTestFailed())
        return;

    QCOMPARE(::kill(pid_t(pids.constFirst()), SIGCONT), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!processExists(pids.constFirst()), SettleTimeout);
    QCOMPARE(filesIn(m_temp), QStringList()); // at once: the last worker removed it as it ended
    verifyNothingLeft(pids);
}

void tst_Hostile::nextStartRemovesWhatAKilledAppAndWorkerLeft_data()
{
    QTest::addColumn<int>("workers");
    QTest::newRow("2 workers") << 2;
    QTest::newRow("3 workers") << 3;
}

// As above, but worker 1 is killed too: its files keep the folder, whose host.lock the others put
// back, and the next Start removes it at once, not after an age.
void tst_Hostile::nextStartRemovesWhatAKilledAppAndWorkerLeft()
{
    QFETCH(int, workers);
    QList<qint64> pids;
    killAppWithWorker1Stopped(workers, &pids);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(::kill(pid_t(pids.constFirst()), SIGKILL), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!processExists(pids.constFirst()), SettleTimeout);
    const QString left = taskFolder(m_temp);
    QVERIFY2(!left.isEmpty(), qPrintable(filesIn(m_temp).join(u' ')));
    QVERIFY2(QFileInfo(left + QLatin1String("/host.lock")).isFile(),
             qPrintable(filesIn(left).join(u' ')));

    auto window = newWindow();
    verifyStartWorks(window.get());
    QCOMPARE(filesIn(m_temp), QStringList()); // the task's own folder went as it ended
    verifyNothingLeft(pids + workerPids(window.get()));
}

// A stack limit of 2 GB under an address space of 1 GB: the worker loads, but the task's thread
// cannot have its stack.
void tst_Hostile::workerThatCannotMakeItsThreadSaysSoAtOnce()
{
    if (Sanitized)
        QSKIP("a sanitizer reserves terabytes of address space: no worker loads under ulimit -v");
    const QString program = script(QStringLiteral("no thread"),
                                   "ulimit -s 2000000 && ulimit -v 1000000 ||\n"
                                   "    { echo 'cannot set the limits' >&2; exit 99; }\n"
                                   "exec '" TEST_WORKER "' \"$@\"");
    auto window = newWindow(program);
    WaiterLog log(waiterOf(window.get()));
    qint64 millis = 0;
    runToEnd(window.get(), &millis);

    const QList<qint64> pids = workerPids(window.get());
    QCOMPARE(pids.size(), 1);
    QCOMPARE(status(window.get()),
             QStringLiteral("The task failed in the worker (pid %1): cannot create a thread for "
                            "the task (out of memory or threads?)")
                     .arg(pids.constFirst()));
    QCOMPARE(log.failed, QStringList {status(window.get())});
    QVERIFY2(millis < FastReport, qPrintable(QStringLiteral("took %1 ms").arg(millis)));
    verifyNothingLeft(pids);
}

// The app's address space may grow by half a thread's stack only, so QThread::start() fails:
// Waiter::start() says so, the window says so and gives Start back, and Start works once memory
// is back.
void tst_Hostile::appThatCannotMakeItsWaiterThreadSaysSoAndStartsLater()
{
    if (Sanitized)
        QSKIP("a sanitizer reserves terabytes of address space: RLIMIT_AS cannot be near VmSize");
    rlimit stack {};
    ::getrlimit(RLIMIT_STACK, &stack);
    if (stack.rlim_cur == RLIM_INFINITY)
        QSKIP("no stack limit, so the size of a thread's stack is not known");
    HostApp app;
    QVERIFY(app.start(1, m_base.filePath(QStringLiteral("runtime"))));
    app.send("memory " + QByteArray::number(quint64(stack.rlim_cur) / 1024 / 2));
    QVERIFY(app.next("limited"));
    app.send("start");
    const auto clicked = app.next("clicked");
    QVERIFY(clicked);
    qInfo("the user sees: %s", qUtf8Printable(decodedText(*clicked)));
    QCOMPARE(decodedText(*clicked),
             QStringLiteral("Cannot start a thread to wait for the workers."));
    app.send("wait"); // answered at once only if Start is enabled
    QVERIFY2(app.next("waited", 1000), "Start stays disabled");
    QVERIFY(app.all("pids").isEmpty());

    app.send("unlimit");
    QVERIFY(app.next("limited"));
    app.send("start");
    const auto idle = app.next("idle");
    QVERIFY(idle);
    QCOMPARE(decodedText(*idle), QStringLiteral("Done."));
    QCOMPARE(app.all("succeeded"), QByteArrayList {defaultResultBytes().toHex()});
    app.send("quit");
    QVERIFY(app.waitForExit());
    QCOMPARE(app.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(app.process().exitCode(), 0);
    verifyNothingLeft(HostApp::pidsOf(app.all("pids").value(0)));
}

void tst_Hostile::workerDeadBeforeItsLockIsReportedAtOnce_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<int>("workers");
    QTest::addColumn<bool>("killed"); // by the test, once started, before it could do anything
    QTest::addColumn<QString>("lastWords"); // a pattern for what follows "ended before ...task. "

    const QString nothing =
            QRegularExpression::escape(QStringLiteral("It wrote nothing to its log."));
    QTest::newRow("a script in its place")
            << script(QStringLiteral("script"), "echo 'a script, not the worker' >&2\nexit 1") << 1
            << false << QStringLiteral("Its log ends with: a script, not the worker");
    QTest::newRow("/bin/false in its place")
            << QStringLiteral("/bin/false") << 1 << false << nothing;
    QTest::newRow("/bin/false in place of 3 workers")
            << QStringLiteral("/bin/false") << 3 << false << nothing;
    if (!Sanitized) {
        QTest::newRow("libraries that cannot load")
                << script(QStringLiteral("no memory"),
                          "ulimit -v 16000 || exit 99\nexec '" TEST_WORKER "' \"$@\"")
                << 1 << false
                << QStringLiteral("Its log ends with: %1: error while loading shared libraries: .+")
                           .arg(QRegularExpression::escape(QStringLiteral(TEST_WORKER)));
    }
    QTest::newRow("killed right after its start")
            << QStringLiteral(TEST_WORKER) << 1 << true << nothing;
}

// The waiter has the pids: a worker gone before its lock is reported at the next look, not after
// the 10 s start timeout.
void tst_Hostile::workerDeadBeforeItsLockIsReportedAtOnce()
{
    QFETCH(QString, program);
    QFETCH(int, workers);
    QFETCH(bool, killed);
    QFETCH(QString, lastWords);

    ScopedEnv slow("TESTWORKER_START_DELAY_MILLIS", killed ? "20000" : "0");
    auto window = newWindow(program);
    setWorkers(window.get(), workers);
    WaiterLog log(waiterOf(window.get()));
    QElapsedTimer clock;
    clock.start();
    click(window.get(), "startButton");
    if (killed) {
        QTRY_COMPARE_WITH_TIMEOUT(workerPids(window.get()).size(), 1, TaskTimeout);
        clock.start();
        QCOMPARE(::kill(pid_t(workerPids(window.get()).constFirst()), SIGKILL), 0);
    }
    QVERIFY(QTest::qWaitFor([&] { return isIdle(window.get()); }, TaskTimeout));
    const qint64 millis = clock.elapsed();

    const QString shown = status(window.get());
    qInfo("the user sees, %lld ms after the %s: %s", millis, killed ? "kill" : "click",
          qUtf8Printable(shown));
    const QList<qint64> pids = workerPids(window.get());
    QCOMPARE(pids.size(), workers);
    QStringList names; // any of them may be the first the waiter finds gone
    for (int index = 0; index < workers; ++index)
        names << QRegularExpression::escape(workerName(index, workers, pids.at(index)));
    const QRegularExpression expected(QRegularExpression::anchoredPattern(
            QStringLiteral("(%1) ended before it started its task\\. %2")
                    .arg(names.join(u'|'), lastWords)));
    QVERIFY2(expected.match(shown).hasMatch(), qUtf8Printable(shown));
    QCOMPARE(log.failed, QStringList {shown});
    QVERIFY2(millis < FastReport, qPrintable(QStringLiteral("took %1 ms").arg(millis)));
    verifyNothingLeft(pids);
}

void tst_Hostile::fullDiskIsNamedInTheMessage_data()
{
    QTest::addColumn<int>("workers");
    QTest::addColumn<QByteArray>("mode");
    QTest::newRow("1 worker") << 1 << QByteArray("ok");
    QTest::newRow("3 workers") << 3 << QByteArray("ok");
    QTest::newRow("a result larger than the space left") << 1 << QByteArray("big");
}

// TMPDIR on a tmpfs of 64 KiB, filled to leave 0, 4, 8... KiB until the task fits: every Start
// ends in "Done." or in a message with the system's reason.
void tst_Hostile::fullDiskIsNamedInTheMessage()
{
    QFETCH(int, workers);
    QFETCH(QByteArray, mode);
    if (::geteuid() != 0)
        QSKIP("mounting a small tmpfs, the full disk, takes root");
    constexpr int DiskKiB = 64;
    const QString mount = m_base.filePath(QStringLiteral("disk%1").arg(m_tests));
    QVERIFY(QDir().mkpath(mount));
    if (::mount("tmpfs", QFile::encodeName(mount).constData(), "tmpfs", 0,
                QByteArray("size=" + QByteArray::number(DiskKiB) + "k,mode=0700").constData())
        != 0)
        QSKIP(qPrintable(QStringLiteral("cannot mount a tmpfs: %1").arg(qt_error_string(errno))));
    m_mount = mount;
    m_temp = mount + QLatin1String("/tmp");
    QVERIFY(QDir().mkpath(m_temp));
    useTempDir(m_temp);
    ScopedEnv modeEnv("TESTWORKER_MODE", mode);
    auto window = newWindow();
    setWorkers(window.get(), workers);
    // A worker's failure ends with the note, once; the app's own "Cannot ..." says it itself.
    const QString note = QStringLiteral(" The disk of %1 is full (No space left on device).")
                                 .arg(QStorageInfo(m_temp).rootPath());
    QStringList wrong;
    QString shown;
    for (int freeKiB = 0; freeKiB <= DiskKiB / 2 && shown != QLatin1String("Done."); freeKiB += 4) {
        QFile filler(mount + QLatin1String("/filler"));
        QVERIFY(filler.open(QIODevice::WriteOnly | QIODevice::Truncate));
        filler.write(QByteArray((DiskKiB - freeKiB) * 1024, 'x')); // as much as fits
        filler.close();
        runToEnd(window.get());
        shown = status(window.get());
        const bool own = shown.startsWith(QLatin1String("Cannot "));
        if (shown != QLatin1String("Done.")
            && (!shown.contains(QLatin1String("No space left on device"))
                || shown.count(note) != (own ? 0 : 1) || (!own && !shown.endsWith(note))))
            wrong << QStringLiteral("%1 KiB free: %2").arg(freeKiB).arg(shown);
        verifyNothingLeft(workerPids(window.get()));
        if (QTest::currentTestFailed())
            return;
    }
    QVERIFY2(wrong.isEmpty(),
             qUtf8Printable(QStringLiteral("the message does not say that the disk is full, "
                                           "or says it twice:\n")
                            + wrong.join(u'\n')));
}

void tst_Hostile::tooManyOpenFilesIsNamedInTheMessage_data()
{
    QTest::addColumn<int>("workers");
    QTest::newRow("1 worker") << 1;
    QTest::newRow("3 workers") << 3;
}

// The app is left 1, 2, 3... free descriptors as Start is pressed, until it has enough: every
// Start ends in a message with the system's reason, and the app never crashes. (With none at
// all, Qt's GLib event dispatcher aborts the app as the waiter thread starts, before any of the
// app's code runs: a limit of Qt's, left out here.)
void tst_Hostile::tooManyOpenFilesIsNamedInTheMessage()
{
    if (Sanitized)
        QSKIP("a sanitizer needs descriptors of its own (its report file): it ends the app first");
    QFETCH(int, workers);
    const QString runtime = m_base.filePath(QStringLiteral("runtime"));
    auto app = std::make_unique<HostApp>();
    QVERIFY(app->start(workers, runtime));
    QStringList wrong;
    QString shown;
    for (int free = 1; free < 40 && shown != QLatin1String("Done."); ++free) {
        app->send("files " + QByteArray::number(free));
        QVERIFY(app->next("limited"));
        app->send("start");
        const auto clicked = app->next("clicked");
        const auto idle = clicked && decodedText(*clicked) == QLatin1String("Starting...")
                ? app->next("idle")
                : clicked;
        if (!idle) {
            QVERIFY2(app->waitForExit(), "the app hangs");
            wrong << QStringLiteral("%1 free: the app crashed (%2 %3)")
                             .arg(free)
                             .arg(app->process().exitStatus() == QProcess::CrashExit
                                          ? QStringLiteral("signal")
                                          : QStringLiteral("exit code"))
                             .arg(app->process().exitCode());
            app = std::make_unique<HostApp>();
            QVERIFY(app->start(workers, runtime));
            continue;
        }
        shown = decodedText(*idle);
        qInfo("%d free descriptors: %s", free, qUtf8Printable(shown));
        if (shown != QLatin1String("Done.")
            && !shown.contains(QLatin1String("Too many open files")))
            wrong << QStringLiteral("%1 free: %2").arg(free).arg(shown);
        app->send("unlimit");
        QVERIFY(app->next("limited"));
        verifyNothingLeft({});
        if (QTest::currentTestFailed())
            return;
    }
    QCOMPARE(shown, QStringLiteral("Done."));
    app->send("quit");
    QVERIFY(app->waitForExit());
    QVERIFY2(wrong.isEmpty(),
             qUtf8Printable(QStringLiteral("the message does not say why, or the app crashed:\n")
                            + wrong.join(u'\n')));
}

void tst_Hostile::overLongPathIsNamedInTheMessage_data()
{
    // A path has at most PATH_MAX - 1 characters. To TMPDIR the app adds /APP-XXXXXX (`folder`
    // characters), then /host.lock, /worker-1.XXXXXX, its .log, its .input and (in the worker) its
    // .lock: each TMPDIR below is one character too long for one of these, and short enough for
    // the ones before. The .lock is shorter than the .input, which fails first.
    const int folder = int(qstrlen("/" APP_NAME "-XXXXXX"));
    QTest::addColumn<int>("length"); // of TMPDIR
    QTest::addColumn<QString>("message"); // a pattern: %temp is TMPDIR, %folder the task's folder
    const QString noFolder = QStringLiteral("Cannot create a folder for the task's files in %temp: "
                                            "File name too long\\. Point TMPDIR at a writable "
                                            "folder\\.");
    const QString anyMessage = QStringLiteral(".*File name too long.*");
    QTest::newRow("TMPDIR longer than PATH_MAX") << PATH_MAX + 100 << noFolder;
    QTest::newRow("the task's folder") << PATH_MAX - folder << noFolder;
    QTest::newRow("host.lock") << PATH_MAX - folder - 10
                               << QStringLiteral("Cannot create a lock file in %folder: File name "
                                                 "too long\\.");
    QTest::newRow("the result file") << PATH_MAX - folder - 16 << anyMessage;
    QTest::newRow("the worker's log") << PATH_MAX - folder - 20
                                      << QStringLiteral("Cannot create a log file in %folder: File "
                                                        "name too long\\.");
    const QString noInput = QStringLiteral("Cannot write the input file "
                                           "%folder/worker-1\\.[A-Za-z0-9]{6}\\.input: File name "
                                           "too long\\.");
    QTest::newRow("the worker's input") << PATH_MAX - folder - 22 << noInput;
    QTest::newRow("the worker's input and lock") << PATH_MAX - folder - 21 << noInput;
}

// Every failure names the system's reason; nothing lands outside TMPDIR (such as in the app's
// working folder), and nothing is left.
void tst_Hostile::overLongPathIsNamedInTheMessage()
{
    QFETCH(int, length);
    QFETCH(QString, message);

    const QString base = m_base.filePath(QStringLiteral("long%1").arg(m_tests));
    QVERIFY(QDir().mkpath(base));
    const auto removeBase = qScopeGuard([&] { // rm copes with paths longer than PATH_MAX
        QProcess::execute(QStringLiteral("rm"), {QStringLiteral("-rf"), base});
    });
    const QString temp = makeLongFolder(base, length);
    QVERIFY(!temp.isEmpty());
    QCOMPARE(temp.size(), length);
    const QString working = m_base.filePath(QStringLiteral("working%1").arg(m_tests));
    QVERIFY(QDir().mkpath(working));
    const QString before = QDir::currentPath();
    QVERIFY(QDir::setCurrent(working));
    const auto back = qScopeGuard([&] { QDir::setCurrent(before); });
    useTempDir(temp);

    auto window = newWindow();
    WaiterLog log(waiterOf(window.get()));
    runToEnd(window.get());
    const QString shown = status(window.get());
    QVERIFY2(filesIn(working).isEmpty(),
             qPrintable(QStringLiteral("the app wrote into its working folder: %1")
                                .arg(filesIn(working).join(u' '))));
    message.replace(QLatin1String("%folder"), QLatin1String("%temp/" APP_NAME "-[A-Za-z0-9]{6}"))
            .replace(QLatin1String("%temp"), QRegularExpression::escape(temp));
    QVERIFY2(QRegularExpression(QRegularExpression::anchoredPattern(message))
                     .match(shown)
                     .hasMatch(),
             qUtf8Printable(shortened(shown)));
    QCOMPARE(log.failed, QStringList {status(window.get())});
    const QList<qint64> pids = workerPids(window.get());
    for (qint64 pid : pids)
        QTRY_VERIFY_WITH_TIMEOUT(!processExists(pid), SettleTimeout);
    if (length < 4096) // below, QDir cannot look
        QTRY_COMPARE_WITH_TIMEOUT(filesIn(temp), QStringList(), SettleTimeout);
}

void tst_Hostile::markupInAMessageIsShownAsText_data()
{
    const QByteArray markup = "<h1>big</h1> &amp; <b>bold</b>";
    QTest::addColumn<QString>("program");
    QTest::addColumn<QString>("temp"); // empty: the test's own
    QTest::addColumn<QByteArray>("thrown");
    QTest::addColumn<QString>("message"); // with %pid

    // TMPDIR names no folder: <h1>big< is a file.
    QFile(m_base.filePath(QStringLiteral("<h1>big<"))).open(QIODevice::WriteOnly);
    const QString temp = m_base.filePath(QString::fromLatin1(markup));
    QTest::newRow("TMPDIR") << QStringLiteral(TEST_WORKER) << temp << QByteArray()
                            << QStringLiteral("Cannot create a folder for the task's files in %1: "
                                              "there is no such folder. Point TMPDIR at a "
                                              "writable folder.")
                                       .arg(temp);
    QTest::newRow("a worker's log")
            << script(QStringLiteral("markup"), "echo '" + markup + "' >&2\nexit 1") << QString()
            << QByteArray()
            << QStringLiteral("The worker (pid %pid) ended before it started its task. Its log "
                              "ends with: ")
                    + QString::fromLatin1(markup);
    QTest::newRow("an exception's message")
            << QCoreApplication::applicationFilePath() << QString() << markup
            << QStringLiteral("The task failed in the worker (pid %pid): ")
                    + QString::fromLatin1(markup);
}

// The status label shows the characters of the markup, not what they would render.
void tst_Hostile::markupInAMessageIsShownAsText()
{
    QFETCH(QString, program);
    QFETCH(QString, temp);
    QFETCH(QByteArray, thrown);
    QFETCH(QString, message);

    ScopedEnv throwing("HOSTILE_THROW", thrown);
    if (!temp.isEmpty())
        useTempDir(temp);
    auto window = newWindow(program);
    runToEnd(window.get());
    useTempDir(m_temp);

    auto label = widget<QLabel>(window.get(), "statusLabel");
    QCOMPARE(label->textFormat(), Qt::PlainText);
    QCOMPARE(label->text(),
             message.replace(QLatin1String("%pid"),
                             QString::number(workerPids(window.get()).value(0))));
    verifyNothingLeft(workerPids(window.get()));
}

void tst_Hostile::stoppedWorkerIsKilledByCancelAndQuit_data()
{
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("victim");
    QTest::addColumn<bool>("quit"); // else Cancel
    QTest::addColumn<bool>("early"); // stopped as it loads, before it takes its lock
    QTest::newRow("Cancel") << 1 << 0 << false << false;
    QTest::newRow("Cancel, worker 2 of 3 stopped") << 3 << 1 << false << false;
    QTest::newRow("Cancel, stopped before its lock") << 1 << 0 << false << true;
    QTest::newRow("Quit") << 1 << 0 << true << false;
    QTest::newRow("Quit, worker 2 of 3 stopped") << 3 << 1 << true << false;
    QTest::newRow("Quit, stopped before its lock") << 1 << 0 << true << true;
}

// A stopped worker cannot see its app's lock go: after its grace the waiter kills it.
void tst_Hostile::stoppedWorkerIsKilledByCancelAndQuit()
{
    QFETCH(int, workers);
    QFETCH(int, victim);
    QFETCH(bool, quit);
    QFETCH(bool, early);

    ScopedEnv millis("TESTWORKER_MILLIS", "600000");
    ScopedEnv slow("TESTWORKER_START_DELAY_MILLIS", early ? "20000" : "0");
    auto window = newWindow();
    setWorkers(window.get(), workers);
    click(window.get(), "startButton");
    QTRY_COMPARE_WITH_TIMEOUT(workerPids(window.get()).size(), workers, TaskTimeout);
    const QList<qint64> pids = workerPids(window.get());
    if (!early)
        QTRY_COMPARE_WITH_TIMEOUT(logsContaining(m_temp, "testworker: pid "), workers, TaskTimeout);
    QVERIFY(stopProcess(pids.at(victim)));

    QElapsedTimer clock;
    clock.start();
    click(window.get(), quit ? "quitButton" : "cancelButton");
    if (quit)
        window.reset(); // as when main() returns: waits for the waiter thread
    const bool gone =
            QTest::qWaitFor([&] { return !processExists(pids.at(victim)); }, 2 * KillAfterGrace);
    const qint64 ended = clock.elapsed();
    qInfo("the stopped worker was %s %lld ms after %s", gone ? "gone" : "still there", ended,
          quit ? "Quit" : "Cancel");
    QVERIFY2(gone && ended < KillAfterGrace,
             qPrintable(QStringLiteral("the stopped worker, pid %1, was %2 %3 ms after %4")
                                .arg(pids.at(victim))
                                .arg(gone ? QStringLiteral("gone only") : QStringLiteral("alive"))
                                .arg(ended)
                                .arg(quit ? QStringLiteral("Quit") : QStringLiteral("Cancel"))));
    if (!quit) {
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
        QCOMPARE(status(window.get()), QStringLiteral("Cancelled."));
    }
    verifyNothingLeft(pids);
}

void tst_Hostile::fifoOrSymlinkAtTheResultPathIsRefused_data()
{
    QTest::addColumn<bool>("fifo"); // else a symlink to a file outside
    QTest::newRow("FIFO") << true;
    QTest::newRow("symlink") << false;
}

// Put in place of the result file while the worker is slow to start: the worker must neither block
// on a FIFO nor write through a symlink, and must say why it stopped.
void tst_Hostile::fifoOrSymlinkAtTheResultPathIsRefused()
{
    QFETCH(bool, fifo);

    const QString decoy = m_base.filePath(QStringLiteral("decoy"));
    const QByteArray precious("precious bytes, not a result\n");
    QFile file(decoy);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(precious);
    file.close();
    ScopedEnv slow("TESTWORKER_START_DELAY_MILLIS", "2000");
    auto window = newWindow();
    WaiterLog log(waiterOf(window.get()));
    click(window.get(), "startButton");
    QTRY_COMPARE_WITH_TIMEOUT(workerPids(window.get()).size(), 1, TaskTimeout);
    const QString result = resultFileIn(m_temp);
    QVERIFY(!result.isEmpty());
    QVERIFY(QFile::remove(result));
    if (fifo)
        QCOMPARE(::mkfifo(QFile::encodeName(result).constData(), 0600), 0);
    else
        QVERIFY(QFile::link(decoy, result));
    QVERIFY2(readAll(result + QLatin1String(".log")).isEmpty(),
             "the worker started before the test could plant its file");
    QVERIFY(QTest::qWaitFor([&] { return isIdle(window.get()); }, TaskTimeout));

    const QString shown = status(window.get());
    qInfo("the user sees: %s", qUtf8Printable(shown));
    const QString prefix = workerName(0, 1, workerPids(window.get()).constFirst())
            + QStringLiteral(" ended before it started its task. Its log ends with: " APP_NAME
                             ".worker: cannot use %1 as its result file: ")
                      .arg(result);
    QCOMPARE(readAll(decoy), precious);
    QVERIFY2(shown.startsWith(prefix), qUtf8Printable(shown));
    QCOMPARE(log.failed, QStringList {shown});
    verifyNothingLeft(workerPids(window.get()));
    if (QTest::currentTestFailed())
        return;
    const QString why = shown.mid(prefix.size()); // the system's words, or the worker's
    QVERIFY2(!why.isEmpty() && why != QLatin1String("Unknown error"),
             qUtf8Printable(QStringLiteral("the reason is \"%1\"").arg(why)));
}

void tst_Hostile::resultOfAnotherRunIsNeverAccepted_data()
{
    QTest::addColumn<bool>("renamed"); // else written into the app's result file
    QTest::newRow("written into the result file") << false;
    QTest::newRow("renamed over the result file") << true;
}

// Planted while the worker is slow to start. Written into the app's own file, it is read, and
// rejected for its token; renamed over it, the app never reads it (it reads through its own
// descriptor), and the worker writes into the planted file: either way it is never a result.
void tst_Hostile::resultOfAnotherRunIsNeverAccepted()
{
    QFETCH(bool, renamed);

    ScopedEnv slow("TESTWORKER_START_DELAY_MILLIS", "2000");
    auto window = newWindow();
    WaiterLog log(waiterOf(window.get()));
    click(window.get(), "startButton");
    QTRY_COMPARE_WITH_TIMEOUT(workerPids(window.get()).size(), 1, TaskTimeout);
    const QString result = resultFileIn(m_temp);
    QVERIFY(!result.isEmpty());
    const QString planted = renamed ? m_base.filePath(QStringLiteral("planted")) : result;
    QFile file(planted);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Unbuffered));
    QVERIFY(writeAtOnce(&file, resultOfAnotherRun()));
    file.close();
    if (renamed)
        QCOMPARE(::rename(QFile::encodeName(planted).constData(),
                          QFile::encodeName(result).constData()),
                 0);
    QVERIFY2(readAll(result + QLatin1String(".log")).isEmpty(),
             "the worker started before the test could plant its file");
    QVERIFY(QTest::qWaitFor([&] { return isIdle(window.get()); }, TaskTimeout));

    const QString shown = status(window.get());
    qInfo("the user sees: %s", qUtf8Printable(shown));
    QVERIFY(log.succeeded.isEmpty());
    QCOMPARE(log.failed, QStringList {shown});
    const QString name = workerName(0, 1, workerPids(window.get()).constFirst());
    if (renamed)
        QVERIFY2(shown.startsWith(name + u' '), qUtf8Printable(shown));
    else
        QCOMPARE(shown,
                 QStringLiteral("The result of %1 is unreadable: it is a file of another run.")
                         .arg(name.toLower()));
    verifyNothingLeft(workerPids(window.get()));
}

// The rename race: another run's result renamed over the result file at moments spread
// over the worker's start (before it opens the file, as it does, after), one task each.
void tst_Hostile::resultFileReplacedDuringTheTaskIsNeverAccepted()
{
    constexpr int Rounds = 10;
    constexpr int Spread = 400; // ms after the workers started: the workers open at about 200
    ScopedEnv slow("TESTWORKER_START_DELAY_MILLIS", "200");
    ScopedEnv millis("TESTWORKER_MILLIS", "600");
    auto window = newWindow();
    WaiterLog log(waiterOf(window.get()));
    const QString planted = m_base.filePath(QStringLiteral("planted"));
    int done = 0;
    QList<qint64> pids;
    for (int round = 0; round < Rounds; ++round) {
        log.clear();
        QFile file(planted);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(resultOfAnotherRun());
        file.close();
        bool renamed = false;
        QObject planter;
        connect(waiterOf(window.get()), &Waiter::workersStarted, &planter, [&] {
            QTimer::singleShot(round * Spread / (Rounds - 1), &planter, [&] {
                renamed = ::rename(QFile::encodeName(planted).constData(),
                                   QFile::encodeName(resultFileIn(m_temp)).constData())
                        == 0;
            });
        });
        runToEnd(window.get());
        QVERIFY2(renamed, "the task ended before the planted file was renamed over its result");
        pids << workerPids(window.get());
        for (const QList<QByteArray> &results : std::as_const(log.succeeded))
            QCOMPARE(results, QList<QByteArray> {defaultResultBytes()});
        done += log.succeeded.size();
    }
    qInfo("%d of %d tasks delivered their own result; the others failed", done, Rounds);
    verifyNothingLeft(pids);
}

// Another run's result that claims 1.5 GiB, in a sparse file of that size, written into the app's
// file: the app reads its header only, and grows by nothing like 1.5 GiB.
void tst_Hostile::hugeSparseFileInPlaceOfTheResultDoesNotGrowTheApp()
{
    constexpr qint64 Huge = qint64(3) << 29;
    ScopedEnv slow("TESTWORKER_START_DELAY_MILLIS", "2000");
    auto window = newWindow();
    WaiterLog log(waiterOf(window.get()));
    const qint64 peakBefore = statusKiB("VmPeak");
    const qint64 residentPeakBefore = statusKiB("VmHWM");
    click(window.get(), "startButton");
    QTRY_COMPARE_WITH_TIMEOUT(workerPids(window.get()).size(), 1, TaskTimeout);
    QByteArray header;
    QDataStream out(&header, QIODevice::WriteOnly);
    out.setVersion(DataFile::StreamVersion);
    out << DataFile::Magic << DataFile::FormatVersion << PlantedToken << QString()
        << qint64(Huge - 64);
    const QString result = resultFileIn(m_temp);
    QFile file(result);
    QVERIFY(file.open(QIODevice::ReadWrite | QIODevice::Unbuffered));
    QVERIFY(file.resize(Huge));
    QVERIFY(writeAtOnce(&file, header));
    file.close();
    QVERIFY(QTest::qWaitFor([&] { return isIdle(window.get()); }, TaskTimeout));

    const QString shown = status(window.get());
    qInfo("the user sees: %s", qUtf8Printable(shown));
    const QString unreadable = QStringLiteral("The result of the worker (pid %1) is unreadable: ")
                                       .arg(workerPids(window.get()).constFirst());
    // The app may look between the resize and the header.
    QVERIFY2(shown == unreadable + QLatin1String("it is a file of another run.")
                     || shown == unreadable + QLatin1String("it is not a file of this program."),
             qUtf8Printable(shown));
    QVERIFY(log.succeeded.isEmpty());
    const qint64 peakGrowth = statusKiB("VmPeak") - peakBefore;
    const qint64 residentGrowth = statusKiB("VmHWM") - residentPeakBefore;
    qInfo("VmPeak grew by %lld MiB, VmHWM by %lld MiB", peakGrowth / 1024, residentGrowth / 1024);
    QVERIFY2(peakGrowth < 512 * 1024,
             qPrintable(QStringLiteral("VmPeak grew by %1 MiB").arg(peakGrowth / 1024)));
    QVERIFY2(residentGrowth < 128 * 1024,
             qPrintable(QStringLiteral("VmHWM grew by %1 MiB").arg(residentGrowth / 1024)));
    verifyNothingLeft(workerPids(window.get()));
}

// Under umask 000 every file of a running task is 0600, and its folder 0700.
void tst_Hostile::everyTaskFileIsOwnerOnlyUnderUmask000()
{
    const mode_t previous = ::umask(0);
    const auto restore = qScopeGuard([previous] { ::umask(previous); });
    ScopedEnv millis("TESTWORKER_MILLIS", "600000");
    auto window = newWindow();
    setWorkers(window.get(), 2);
    click(window.get(), "startButton");
    QTRY_COMPARE_WITH_TIMEOUT(logsContaining(m_temp, "testworker: pid "), 2, TaskTimeout);

    const QString folder = taskFolder(m_temp);
    QCOMPARE(modeOf(folder), 0700);
    QStringList files = filesIn(folder);
    files.sort();
    QCOMPARE(files.size(), 1 + 2 * 4); // host.lock; each worker's result, .input, .lock and .log
    QVERIFY2(files.contains(QStringLiteral("host.lock")), qPrintable(files.join(u' ')));
    for (const char *suffix : {"", "\\.input", "\\.lock", "\\.log"}) {
        const QRegularExpression name(
                QStringLiteral("^worker-[12]\\.[A-Za-z0-9]{6}%1$").arg(QLatin1String(suffix)));
        QVERIFY2(files.filter(name).size() == 2, qPrintable(files.join(u' ')));
    }
    for (const QString &name : std::as_const(files)) {
        QVERIFY2(modeOf(folder + u'/' + name) == 0600,
                 qPrintable(QStringLiteral("%1 has mode %2")
                                    .arg(name)
                                    .arg(modeOf(folder + u'/' + name), 0, 8)));
    }
    const QList<qint64> pids = workerPids(window.get());
    click(window.get(), "cancelButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    verifyNothingLeft(pids);
}

void tst_Hostile::inputFileDamagedOrReplacedIsRefused_data()
{
    QTest::addColumn<QByteArray>("damage"); // what the test does to the input file
    QTest::addColumn<QString>("reason"); // the worker's words for it

    const QString irregular = QStringLiteral("it is not a regular file");
    QTest::newRow("garbage") << QByteArray("garbage")
                             << QStringLiteral("it is not a file of this program");
    QTest::newRow("another run's")
            << QByteArray("foreign") << QStringLiteral("it is a file of another run");
    QTest::newRow("another format version")
            << QByteArray("version")
            << QStringLiteral("it has format version %1, and this program reads %2")
                       .arg(DataFile::FormatVersion + 1)
                       .arg(DataFile::FormatVersion);
    QTest::newRow("emptied") << QByteArray("empty")
                             << QStringLiteral("the file is empty or cut short");
    QTest::newRow("cut short") << QByteArray("truncated")
                               << QStringLiteral("the file is cut short");
    QTest::newRow("bytes after its data")
            << QByteArray("longer") << QStringLiteral("it has unexpected bytes after its data");
    QTest::newRow("removed") << QByteArray("removed") << irregular;
    // A symlink to a copy of the very input: the link is refused, whatever it leads to.
    QTest::newRow("symlink") << QByteArray("symlink") << irregular;
    QTest::newRow("FIFO") << QByteArray("fifo") << irregular; // refused, never opened: no block
}

// Damaged or replaced while the worker is slow to start, before it reads it: the worker reads
// nothing else in its place, writes nothing through a link, and the status says which file and
// why. The app stays usable.
void tst_Hostile::inputFileDamagedOrReplacedIsRefused()
{
    QFETCH(QByteArray, damage);
    QFETCH(QString, reason);

    const QByteArray part(4096, 'i');
    auto window = newWindow();
    useTestWorker(window.get(), QStringLiteral(TEST_WORKER), part);
    WaiterLog log(waiterOf(window.get()));
    {
        ScopedEnv slow("TESTWORKER_START_DELAY_MILLIS", "2000");
        click(window.get(), "startButton");
        QTRY_COMPARE_WITH_TIMEOUT(workerPids(window.get()).size(), 1, TaskTimeout);
    }
    const QString result = resultFileIn(m_temp);
    QVERIFY(!result.isEmpty());
    const QString input = result + QLatin1String(".input");
    QVERIFY(QFileInfo(input).isFile()); // written before the worker started
    const QByteArray original = readAll(input);
    QVERIFY2(original.size() > part.size(), qPrintable(QString::number(original.size())));

    QByteArray planted = original;
    if (damage == "garbage") {
        planted = "This is not an input file.\n";
    } else if (damage == "foreign") {
        planted.clear();
        QBuffer buffer(&planted);
        buffer.open(QIODevice::WriteOnly);
        QVERIFY(DataFile::write(&buffer, {PlantedToken, {}, part}));
    } else if (damage == "version") {
        planted[5] = char(DataFile::FormatVersion + 1); // after the magic, a quint16 big-endian
    } else if (damage == "empty") {
        planted.clear();
    } else if (damage == "truncated") {
        planted.chop(part.size() / 2);
    } else if (damage == "longer") {
        planted += "x";
    }
    const QString copy = m_base.filePath(QStringLiteral("input%1").arg(m_tests));
    if (damage == "removed" || damage == "symlink" || damage == "fifo") {
        QVERIFY(QFile::rename(input, copy));
        if (damage == "symlink")
            QVERIFY(QFile::link(copy, input));
        else if (damage == "fifo")
            QCOMPARE(::mkfifo(QFile::encodeName(input).constData(), 0600), 0);
    } else {
        QFile file(input);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Unbuffered));
        QVERIFY(writeAtOnce(&file, planted));
    }
    // The worker writes its first progress record before it reads its input.
    QVERIFY2(QFileInfo(result).size() == 0 && readAll(result + QLatin1String(".log")).isEmpty(),
             "the worker started before the test could damage its input");
    QVERIFY(QTest::qWaitFor([&] { return isIdle(window.get()); }, TaskTimeout));

    const QString shown = status(window.get());
    qInfo("the user sees: %s", qUtf8Printable(shown));
    QVERIFY(log.succeeded.isEmpty());
    QCOMPARE(log.failed, QStringList {shown});
    QCOMPARE(shown,
             QStringLiteral("The task failed in %1: its input %2 is unusable: %3")
                     .arg(workerName(0, 1, workerPids(window.get()).constFirst()).toLower(), input,
                          reason));
    if (damage == "symlink")
        QCOMPARE(readAll(copy), original); // nothing was written through the link
    verifyNothingLeft(workerPids(window.get()));
    if (QTest::currentTestFailed())
        return;
    verifyStartWorks(window.get());
}

// The run: `kill -STOP <worker>`, `kill -9 <app>`. The next Start ends the stopped worker
// (its lock names it a worker of this program), then removes the folder: within a second.
void tst_Hostile::stoppedWorkerOfAKilledAppIsEndedByTheNextStart()
{
    QList<qint64> pids;
    killAppWithWorker1Stopped(1, &pids);
    if (QTest::currentTestFailed())
        return;
    const QString left = taskFolder(m_temp);
    QVERIFY(!left.isEmpty());

    ScopedEnv millis("TESTWORKER_MILLIS", "100");
    auto window = newWindow();
    QElapsedTimer clock;
    clock.start();
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(!processExists(pids.constFirst()) && !QFileInfo::exists(left),
                             Sanitized ? 3 * FastReport : FastReport);
    qInfo("the stopped worker and its folder were gone %lld ms after Start", clock.elapsed());
    QVERIFY(QTest::qWaitFor([&] { return isIdle(window.get()); }, TaskTimeout));
    QCOMPARE(status(window.get()), QStringLiteral("Done."));
    verifyNothingLeft(pids + workerPids(window.get()));
}

// kill -9 of the app at many moments around a task's end: as it cleans up (when its worker's
// result file goes), about the worker's end, and after "Done.". Whatever it left, the next Start
// removes.
void tst_Hostile::appKilledAroundTheEndOfATaskLeavesNothingForGood()
{
    constexpr int Rounds = 36;
    constexpr int Millis = 100;
    ScopedEnv millis("TESTWORKER_MILLIS", QByteArray::number(Millis));
    QList<qint64> pids;
    for (int round = 0; round < Rounds; ++round) {
        HostApp app;
        QVERIFY(app.start(1, m_base.filePath(QStringLiteral("runtime"))));
        app.send("start");
        const auto started = app.next("pids");
        QVERIFY2(started, "the app started no workers");
        pids << HostApp::pidsOf(*started);
        bool killed = false;
        const auto kill = [&] {
            if (!std::exchange(killed, true))
                app.process().kill();
        };
        // The worker's result file, from its command line: this round's, whatever earlier rounds
        // left.
        const QByteArrayList arguments =
                readAll(QStringLiteral("/proc/%1/cmdline").arg(pids.constLast())).split('\0');
        const QString result =
                QFile::decodeName(arguments.value(arguments.indexOf("--result") + 1));
        QFileSystemWatcher folder({QFileInfo(result).path()});
        if (round % 3 == 0) { // as the app removes its worker's files
            QObject::connect(&folder, &QFileSystemWatcher::directoryChanged, &folder, [&] {
                if (!QFileInfo::exists(result))
                    kill();
            });
            if (!QFileInfo::exists(result))
                kill();
        } else if (round % 3 == 1) { // 0-11 ms after the window heard "Done."
            QVERIFY(app.next("succeeded"));
            QTimer::singleShot(round / 3, kill);
        } else { // about the worker's end
            QTimer::singleShot(Millis - 30 + round * 5, kill);
        }
        QTRY_VERIFY(killed);
        QVERIFY(app.waitForExit());
    }
    QTRY_VERIFY_WITH_TIMEOUT(!anyProcessExists(pids), SettleTimeout);
    for (const QString &left : filesIn(m_temp)) {
        qInfo("left by a killed app: %s: %s", qUtf8Printable(left),
              qUtf8Printable(filesIn(m_temp + u'/' + left).join(u' ')));
    }

    auto window = newWindow();
    runToEnd(window.get());
    QCOMPARE(status(window.get()), QStringLiteral("Done."));
    QCOMPARE(filesIn(m_temp), QStringList());
    verifyNothingLeft(pids + workerPids(window.get()));
}

namespace {
// The messages of one logging category, from any thread, while it lives.
class CategoryLog
{
public:
    explicit CategoryLog(const char *category) : m_category(category)
    {
        s_log = this;
        m_previous = qInstallMessageHandler(handle);
    }
    ~CategoryLog()
    {
        qInstallMessageHandler(m_previous);
        s_log = nullptr;
    }
    QStringList messages() const
    {
        const QMutexLocker locker(&m_mutex);
        return m_messages;
    }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        if (!s_log)
            return;
        if (qstrcmp(context.category, s_log->m_category) == 0) {
            const QMutexLocker locker(&s_log->m_mutex);
            s_log->m_messages << message;
        }
        s_log->m_previous(type, context, message);
    }

    static inline CategoryLog *s_log = nullptr;
    const char *m_category;
    QtMessageHandler m_previous = nullptr;
    mutable QMutex m_mutex;
    QStringList m_messages;
};
} // namespace

// Dead folders whose worker locks are still held, but not provably by a worker of this program:
// one by this test (its lock names this test's binary), one whose lock names the worker program
// and the pid of a live `sleep` (whose command line is not that worker's). Start kills nothing,
// removes nothing of them, and logs why; host.lock is left to prove them dead later.
void tst_Hostile::sweepLeavesAloneWhatItCannotProveItsWorker()
{
    QProcess sleeper;
    sleeper.start(QStringLiteral("sleep"), {QStringLiteral("600")});
    QVERIFY(sleeper.waitForStarted());
    const auto stopSleeper = qScopeGuard([&] {
        sleeper.kill();
        sleeper.waitForFinished();
    });
    const QByteArray host = QSysInfo::machineHostName().toUtf8();
    const QByteArray deadApp = "4194304\n"
            + QFileInfo(QCoreApplication::applicationFilePath()).fileName().toUtf8() + '\n' + host
            + '\n';
    const QString mine = m_temp + QStringLiteral("/" APP_NAME "-Ab12Cq");
    const QString forged = m_temp + QStringLiteral("/" APP_NAME "-Ab12Cr");
    QStringList files;
    for (const QString &folder : {mine, forged}) {
        QVERIFY(QDir().mkpath(folder));
        const QString worker = folder + QStringLiteral("/worker-1.") + folder.right(6);
        for (const QString &path :
             {folder + QStringLiteral("/host.lock"), worker, worker + QStringLiteral(".log")}) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(path.endsWith(QLatin1String("host.lock")) ? deadApp : "a task's file\n");
            files << path;
        }
    }
    QLockFile mineLock(mine + QStringLiteral("/worker-1.Ab12Cq.lock"));
    QVERIFY(mineLock.tryLock(0));
    QFile forgedLock(forged + QStringLiteral("/worker-1.Ab12Cr.lock"));
    QVERIFY(forgedLock.open(QIODevice::WriteOnly));
    forgedLock.write(QByteArray::number(sleeper.processId()) + '\n'
                     + QFileInfo(QStringLiteral(TEST_WORKER)).fileName().toUtf8() + '\n' + host
                     + '\n');
    QVERIFY(forgedLock.flush());
    QCOMPARE(::flock(forgedLock.handle(), LOCK_EX | LOCK_NB), 0);
    files << mineLock.fileName() << forgedLock.fileName();

    CategoryLog log(APP_NAME ".waiter");
    auto window = newWindow();
    runToEnd(window.get());
    QCOMPARE(status(window.get()), QStringLiteral("Done."));
    for (const QString &path : std::as_const(files))
        QVERIFY2(QFileInfo::exists(path), qPrintable(path + QStringLiteral(" was removed")));
    QCOMPARE(sleeper.state(), QProcess::Running);
    QCOMPARE(log.messages().filter(QStringLiteral("alone: a lock in it is held")).size(), 2);

    mineLock.unlock();
    forgedLock.close();
    QVERIFY(QDir(mine).removeRecursively() && QDir(forged).removeRecursively());
    verifyNothingLeft(workerPids(window.get()));
}

// Worker 2 of 3 stopped, then Cancel: the others end within their tick, and the log says that the
// waiter had to end worker 2, and no other.
void tst_Hostile::onlyTheWorkersReallyKilledAreLogged()
{
    ScopedEnv millis("TESTWORKER_MILLIS", "600000");
    CategoryLog log(APP_NAME ".waiter");
    auto window = newWindow();
    setWorkers(window.get(), 3);
    click(window.get(), "startButton");
    QTRY_COMPARE_WITH_TIMEOUT(logsContaining(m_temp, "testworker: pid "), 3, TaskTimeout);
    const QList<qint64> pids = workerPids(window.get());
    QVERIFY(stopProcess(pids.at(1)));
    click(window.get(), "cancelButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(status(window.get()), QStringLiteral("Cancelled."));

    const QStringList killed = log.messages().filter(QStringLiteral("did not stop within"));
    QCOMPARE(killed.size(), 1);
    QVERIFY2(killed.constFirst().contains(QStringLiteral("pid %1 ").arg(pids.at(1))),
             qUtf8Printable(killed.constFirst()));
    verifyNothingLeft(pids);
}

void tst_Hostile::longMessageNeitherResizesNorSquashesTheWindow_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<QByteArray>("thrown");
    QTest::addColumn<QString>("tail"); // the status text ends with it

    const QByteArray word(4000, 'x');
    QTest::newRow("4,000 characters without a space")
            << QCoreApplication::applicationFilePath() << word << QString::fromLatin1(word);
    QByteArray words;
    for (int index = 0; words.size() < 10'000; ++index)
        words += "word" + QByteArray::number(index) + ' ';
    words = words.trimmed();
    QTest::newRow("a worker's last log line of 10 kB")
            << script(QStringLiteral("longlog"), "echo '" + words + "' >&2\nexit 1") << QByteArray()
            << QString::fromLatin1(words.right(4000)); // the app quotes a log's last 4 KiB
    QTest::newRow("a worker's last log line of 10 kB without a space")
            << script(QStringLiteral("longword"),
                      "echo '" + QByteArray(10'000, 'y') + "' >&2\nexit 1")
            << QByteArray() << QString(4000, u'y');
}

// The status text of a failure may be of any length: the window keeps its size, its input and
// buttons keep theirs, and the whole text is the label's (what a screen reader reads) and its
// tooltip's.
void tst_Hostile::longMessageNeitherResizesNorSquashesTheWindow()
{
    QFETCH(QString, program);
    QFETCH(QByteArray, thrown);
    QFETCH(QString, tail);

    ScopedEnv throwing("HOSTILE_THROW", thrown);
    auto window = newWindow(program);
    const auto layOut = [] {
        for (int pass = 0; pass < 3; ++pass)
            QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    };
    layOut();
    const QSize size = window->size();
    qInfo("the window is %dx%d px", size.width(), size.height());
    const QSize box = widget<QWidget>(window.get(), "workersBox")->size();
    const QSize start = widget<QWidget>(window.get(), "startButton")->size();
    runToEnd(window.get());
    layOut();

    QCOMPARE(window->size(), size);
    QCOMPARE(widget<QWidget>(window.get(), "workersBox")->size(), box);
    QCOMPARE(widget<QWidget>(window.get(), "startButton")->size(), start);
    auto label = widget<QLabel>(window.get(), "statusLabel");
    QVERIFY2(label->text().endsWith(tail), qUtf8Printable(label->text().left(200)));
    QCOMPARE(label->toolTip(), label->text());
    QAccessibleInterface *accessible = QAccessible::queryAccessibleInterface(label);
    QVERIFY(accessible);
    QCOMPARE(accessible->text(QAccessible::Name), label->text());
    verifyNothingLeft(workerPids(window.get()));
}

// A result file of this run (its token) that claims 4 TiB, in a sparse file that size: more than
// any machine gives. The message says so, with the size, not "std::bad_alloc".
void tst_Hostile::resultTooBigForMemoryIsToldWithItsSize()
{
    constexpr qint64 Huge = qint64(4) << 40;
    if (Sanitized)
        QSKIP("a sanitizer's allocator aborts on an allocation this big instead of failing it");
    if (readAll(QStringLiteral("/proc/sys/vm/overcommit_memory")).trimmed() == "1")
        QSKIP("with vm.overcommit_memory=1 any allocation is granted, to fail only when used");
    ScopedEnv slow("TESTWORKER_START_DELAY_MILLIS", "20000");
    auto window = newWindow();
    click(window.get(), "startButton");
    QTRY_COMPARE_WITH_TIMEOUT(workerPids(window.get()).size(), 1, TaskTimeout);
    const qint64 pid = workerPids(window.get()).constFirst();
    const QList<QByteArray> arguments =
            readAll(QStringLiteral("/proc/%1/cmdline").arg(pid)).split('\0');
    const QByteArray token = arguments.value(arguments.indexOf("--token") + 1);
    QVERIFY(!token.isEmpty());
    QByteArray header;
    QDataStream out(&header, QIODevice::WriteOnly);
    out.setVersion(DataFile::StreamVersion);
    out << DataFile::Magic << DataFile::FormatVersion << token << QString() << Huge;
    QFile file(resultFileIn(m_temp));
    QVERIFY(file.open(QIODevice::ReadWrite | QIODevice::Unbuffered));
    if (!file.resize(header.size() + Huge))
        QSKIP(qPrintable(
                QStringLiteral("no sparse file of 4 TiB here: %1").arg(file.errorString())));
    QVERIFY(writeAtOnce(&file, header));
    file.close();
    QCOMPARE(::kill(pid_t(pid), SIGKILL), 0); // before it took its lock: the file is all there is
    QVERIFY(QTest::qWaitFor([&] { return isIdle(window.get()); }, TaskTimeout));

    QCOMPARE(status(window.get()),
             QStringLiteral("The result of the worker (pid %1) is unreadable: it is %2, more than "
                            "this machine can give.")
                     .arg(pid)
                     .arg(QLocale().formattedDataSize(Huge)));
    verifyNothingLeft({pid});
}

void tst_Hostile::resultFileChangedAfterItsWorkerFinishedIsToldSo_data()
{
    QTest::addColumn<bool>("emptied"); // else a progress record written over it
    QTest::newRow("emptied") << true;
    QTest::newRow("written over") << false;
}

// The app is stopped while its worker finishes; then the worker's result file is emptied or
// written over, and the app continues. The worker did write its result: the message says the
// file changed after that, not that the worker crashed or never started.
void tst_Hostile::resultFileChangedAfterItsWorkerFinishedIsToldSo()
{
    QFETCH(bool, emptied);
    ScopedEnv millis("TESTWORKER_MILLIS", "1000"); // time to stop the app while its worker works
    HostApp app;
    QVERIFY(app.start(1, m_base.filePath(QStringLiteral("runtime"))));
    app.send("start");
    const auto started = app.next("pids");
    QVERIFY2(started, "the app started no workers");
    const QList<qint64> pids = HostApp::pidsOf(*started);
    QVERIFY2(app.next("progress"), "the app saw no progress"); // it knows the worker at work
    const QString result = resultFileIn(m_temp);
    QVERIFY(stopProcess(app.process().processId()));
    QTRY_VERIFY_WITH_TIMEOUT(!processExists(pids.constFirst()), TaskTimeout);
    QFile file(result);
    QVERIFY(file.open(QIODevice::ReadWrite | QIODevice::Unbuffered));
    QVERIFY(file.size() > 0); // the worker wrote its result
    if (emptied)
        QVERIFY(file.resize(0));
    else
        QVERIFY(writeAtOnce(&file, QByteArray("LTP1").leftJustified(512, '\0')));
    file.close();
    QCOMPARE(::kill(pid_t(app.process().processId()), SIGCONT), 0);

    const auto failed = app.next("failed");
    QVERIFY2(failed, "the app did not fail");
    QCOMPARE(decodedText(*failed),
             QStringLiteral("The worker (pid %1) finished, but its result file changed after "
                            "that: another program emptied it or wrote over it.")
                     .arg(pids.constFirst()));
    app.send("quit");
    QVERIFY(app.waitForExit());
    verifyNothingLeft(pids);
}

int main(int argc, char *argv[])
{
    if (argc > 1 && qstrcmp(argv[1], "--worker") == 0)
        return runThrowingWorker(argc, argv);
    QApplication app(argc, argv);
    if (argc == 3 && qstrcmp(argv[1], "--host") == 0)
        return runHostApp(QByteArray(argv[2]).toInt());
    tst_Hostile test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_hostile.moc"
