// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The machinery's promises about workers, with the test worker program (tests/testworker) and its
// TestJob: a worker that fails ends the task in one sentence and leaves the app usable; input and
// results of any size travel in files, split once and combined in order; no worker outlives its
// app; nothing stays in the temp folder, and nothing is deleted that this program did not make.

#include "testsupport.h"

#include <QCryptographicHash>
#include <QProcess>
#include <QRandomGenerator>

class tst_Workers : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void failureEndsTheTaskInOneSentence_data();
    void failureEndsTheTaskInOneSentence();
    void workerThatCannotStartIsNamed();
    void killedWorkerIsNamed();
    void bigInputAndResultsTravelInFiles();
    void commandLineHoldsNoTaskData();
    void inputIsSplitOnceAndResultsCombineInOrder_data();
    void inputIsSplitOnceAndResultsCombineInOrder();
    void splitIntoNoPartsIsOneSentence();
    void noWorkerOutlivesAKilledApp();
    void lookAlikeFolderLosesNothing();
    void stoppedWorkerOfAKilledAppIsLeftAlone();

private:
    QVariant runTask(MainWindow *window);
    QList<qint64> startHost(QProcess *host, int workers);

    TempFolder m_temp;
    QList<qint64> m_pids; // of the last task's workers
    QStringList m_leftAtEnd; // what the temp folder held when the window was told the task ended
};

void tst_Workers::initTestCase()
{
    QCoreApplication::setApplicationName(QStringLiteral(APP_NAME)); // as the app's locks say
}

// After every test: no worker runs, and the temp folder is empty.
void tst_Workers::cleanup()
{
    QTRY_VERIFY_WITH_TIMEOUT(!anyProcessExists(m_pids), TaskTimeout);
    QVERIFY2(m_leftAtEnd.isEmpty(), qPrintable(m_leftAtEnd.join(u' ')));
    QVERIFY2(m_temp.entries().isEmpty(), qPrintable(m_temp.entries().join(u' ')));
    m_pids.clear();
}

// Runs one task as a user does, and returns its result (invalid if it failed).
QVariant tst_Workers::runTask(MainWindow *window)
{
    QVariant result;
    QueuedSpy<QList<qint64>> started(window->waiter(), &Waiter::workersStarted);
    const auto ended = [this] { m_leftAtEnd = m_temp.entries(); };
    const QList<QMetaObject::Connection> connections {
            connect(window->waiter(), &Waiter::succeeded, this,
                    [&](const QVariant &value) { result = value, ended(); }),
            connect(window->waiter(), &Waiter::failed, this, ended),
            connect(window->waiter(), &Waiter::cancelled, this, ended)};
    click(window, "startButton");
    if (!QTest::qWaitFor([&] { return isIdle(window); }, TaskTimeout))
        qWarning("the task did not end");
    for (const auto &connection : connections)
        disconnect(connection);
    m_pids << pidsOf(started);
    return result;
}

void tst_Workers::failureEndsTheTaskInOneSentence_data()
{
    QTest::addColumn<QByteArray>("mode");
    QTest::addColumn<int>("workers");
    QTest::addColumn<QString>("expected");
    QTest::newRow("crash") << QByteArray("crash") << 1 << "ended without a result";
    QTest::newRow("abort") << QByteArray("abort") << 1 << "ended without a result";
    QTest::newRow("exit") << QByteArray("exit") << 1 << "ended without a result";
    QTest::newRow("throw") << QByteArray("throw") << 1 << "failed: thrown on purpose halfway";
    QTest::newRow("undecodable") << QByteArray("undecodable") << 1 << "does not decode";
    QTest::newRow("garbage") << QByteArray("garbage") << 1 << "not a file of this program";
    QTest::newRow("foreign") << QByteArray("foreign") << 1 << "of another task";
    QTest::newRow("one of two crashes") << QByteArray("crash") << 2 << "ended without a result";
    QTest::newRow("one of two throws") << QByteArray("throw") << 2 << "failed: thrown on purpose";
}

void tst_Workers::failureEndsTheTaskInOneSentence()
{
    QFETCH(QByteArray, mode);
    QFETCH(int, workers);
    QFETCH(QString, expected);
    auto window = newWindow("input", workers);
    {
        const QTemporaryDir markers(m_temp.path() + QStringLiteral("/../markers-XXXXXX"));
        const WorkerMode faulty(
                mode,
                {{"TESTWORKER_ONCE", markers.filePath(QStringLiteral("once")).toLocal8Bit()}});
        QVERIFY(!runTask(window.get()).isValid());
    }
    const QString message = status(window.get());
    QVERIFY2(message.startsWith(QLatin1String("Worker ")) && message.contains(expected),
             qPrintable(message));
    QVERIFY2(message.endsWith(u'.') && !message.contains(u'\n'), qPrintable(message));
    if (mode == "crash" || mode == "abort" || mode == "exit") // its own last words, from its log
        QVERIFY2(message.contains(QLatin1String("halfway")), qPrintable(message));
    // The app goes on.
    const QVariant next = runTask(window.get());
    QVERIFY2(next.toStringList().size() == workers, qPrintable(status(window.get())));
}

void tst_Workers::workerThatCannotStartIsNamed()
{
    auto window = newWindow("input", 1, m_temp.path() + QStringLiteral("/no-such-program"));
    QVERIFY(!runTask(window.get()).isValid());
    QVERIFY2(status(window.get()).startsWith(QLatin1String("Cannot start worker 1")),
             qPrintable(status(window.get())));
}

void tst_Workers::killedWorkerIsNamed()
{
    auto window = newWindow();
    const WorkerMode hang("hang");
    QueuedSpy<QList<qint64>> started(window->waiter(), &Waiter::workersStarted);
    QueuedSpy<qint64, qint64, QString> progress(window->waiter(), &Waiter::progressChanged);
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty(), TaskTimeout); // it runs: it holds its lock
    m_pids = pidsOf(started);
    killProcess(m_pids.constFirst());
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    const QString expected =
            QStringLiteral("Worker 1 (pid %1) ended without a result").arg(m_pids.constFirst());
    QVERIFY2(status(window.get()).startsWith(expected), qPrintable(status(window.get())));
}

QByteArray sha1(const QByteArray &bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha1).toHex();
}

void tst_Workers::bigInputAndResultsTravelInFiles()
{
    QByteArray input(48 << 20, Qt::Uninitialized);
    QRandomGenerator(7).fillRange(reinterpret_cast<quint32 *>(input.data()), input.size() / 4);
    const QByteArray halves[] = {input.left(input.size() / 2), input.mid(input.size() / 2)};
    TestJob::ranOnGuiThread = false;
    auto window = newWindow(input, 2);
    const QStringList lines = runTask(window.get()).toStringList();
    QCOMPARE(lines.size(), 2);
    for (int part = 0; part < 2; ++part)
        QCOMPARE(lines[part].section(u' ', 1).toLatin1(),
                 QByteArray::number(halves[part].size()) + ' ' + sha1(halves[part]));
    const WorkerMode big("big", {{"TESTWORKER_MIB", "32"}});
    const QStringList bigLines = runTask(window.get()).toStringList();
    QCOMPARE(bigLines.size(), 2);
    QCOMPARE(bigLines[0].size() + bigLines[1].size(), 32 << 20);
    QVERIFY(!TestJob::ranOnGuiThread);
}

void tst_Workers::commandLineHoldsNoTaskData()
{
    auto window = newWindow("SECRET-TASK-DATA");
    const WorkerMode args("args");
    const QString commandLine = runTask(window.get()).toStringList().value(0);
    QVERIFY2(commandLine.contains(QLatin1String("--worker")), qPrintable(status(window.get())));
    QVERIFY2(!commandLine.contains(QLatin1String("SECRET")) && commandLine.size() < 1024,
             qPrintable(commandLine));
}

void tst_Workers::inputIsSplitOnceAndResultsCombineInOrder_data()
{
    QTest::addColumn<int>("workers");
    QTest::newRow("1 worker") << 1;
    QTest::newRow("3 workers") << 3;
}

void tst_Workers::inputIsSplitOnceAndResultsCombineInOrder()
{
    QFETCH(int, workers);
    const QByteArray input = "abcdefghi";
    Waiter waiter;
    waiter.setWorkerProgram(QStringLiteral(TEST_WORKER));
    QueuedSpy<QVariant, double> succeeded(&waiter, &Waiter::succeeded);
    QueuedSpy<QList<qint64>> started(&waiter, &Waiter::workersStarted);
    connect(&waiter, &Waiter::succeeded, &waiter, &Waiter::resultShown);
    TestJob::splits = 0;
    waiter.start(std::make_unique<TestJob>(input), workers);
    QTRY_VERIFY_WITH_TIMEOUT(waiter.isFinished(), TaskTimeout);
    m_pids = pidsOf(started);
    QCOMPARE(TestJob::splits.load(), 1);
    QCOMPARE(succeeded.size(), 1);
    const QStringList lines = succeeded.constFirst().constFirst().toStringList();
    QCOMPARE(lines.size(), workers);
    const int size = int(input.size()) / workers;
    for (int part = 0; part < workers; ++part)
        QCOMPARE(lines[part].section(u' ', 1).toLatin1(),
                 QByteArray::number(size) + ' ' + sha1(input.mid(part * size, size)));
}

void tst_Workers::splitIntoNoPartsIsOneSentence()
{
    struct NoParts : TestJob
    {
        int split(int) override { return 0; }
    };
    Waiter waiter;
    waiter.setWorkerProgram(QStringLiteral(TEST_WORKER));
    QueuedSpy<QString> failed(&waiter, &Waiter::failed);
    waiter.start(std::make_unique<NoParts>(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(waiter.isFinished() && !failed.isEmpty(), TaskTimeout);
    QCOMPARE(failed.constFirst().constFirst().toString(),
             QStringLiteral("The task split its input into 0 parts, not 1 to 2."));
}

// A window-less app of the test worker's (--host) that runs `workers` hung workers.
QList<qint64> tst_Workers::startHost(QProcess *host, int workers)
{
    const WorkerMode hang("hang");
    host->start(QStringLiteral(TEST_WORKER), {QStringLiteral("--host"), QString::number(workers)});
    QList<qint64> pids;
    if (QTest::qWaitFor([&] { return host->canReadLine(); }, TaskTimeout))
        for (const QByteArray &pid : host->readLine().simplified().split(' '))
            pids << pid.toLongLong();
    m_pids << pids;
    return pids;
}

void tst_Workers::noWorkerOutlivesAKilledApp()
{
    QProcess host;
    const QList<qint64> pids = startHost(&host, 2);
    QCOMPARE(pids.size(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(m_temp.entries().filter(QLatin1String(".progress")).size() == 2,
                             TaskTimeout);
    host.kill();
    QTRY_VERIFY_WITH_TIMEOUT(!anyProcessExists(pids), TaskTimeout);
    QVERIFY(!m_temp.entries().isEmpty()); // the killed app's folder, until the next Start
    auto window = newWindow();
    QVERIFY2(runTask(window.get()).isValid(), qPrintable(status(window.get())));
}

void tst_Workers::lookAlikeFolderLosesNothing()
{
    const auto plant = [this](const QString &folder, const QString &name, const QByteArray &bytes) {
        QDir(m_temp.path()).mkpath(folder);
        QFile file(m_temp.path() + u'/' + folder + u'/' + name);
        return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
    };
    const QByteArray otherLock =
            "1\nanother program\n" + QSysInfo::machineHostName().toUtf8() + '\n';
    const QByteArray ourLock = "1\n"
            + QFileInfo(QStringLiteral(TEST_WORKER)).completeBaseName().toUtf8() + '\n'
            + QSysInfo::machineHostName().toUtf8() + '\n';
    QVERIFY(plant(QStringLiteral(APP_NAME "-abc123"), QStringLiteral("host.lock"), otherLock));
    QVERIFY(plant(QStringLiteral(APP_NAME "-abc123"), QStringLiteral("1.input"), "not ours"));
    QVERIFY(plant(QStringLiteral(APP_NAME "-def456"), QStringLiteral("host.lock"), ourLock));
    QVERIFY(plant(QStringLiteral(APP_NAME "-def456"), QStringLiteral("notes.txt"), "keep me"));
    QVERIFY(plant(QStringLiteral(APP_NAME "-ghi789"), QStringLiteral("1.log"), "no lock"));
    const QStringList before = m_temp.entries();
    auto window = newWindow();
    QVERIFY2(runTask(window.get()).isValid(), qPrintable(status(window.get())));
    QCOMPARE(m_temp.entries(), before);
    QFile notes(m_temp.path() + QStringLiteral("/" APP_NAME "-def456/notes.txt"));
    QVERIFY(notes.open(QIODevice::ReadOnly));
    QCOMPARE(notes.readAll(), QByteArray("keep me"));
    notes.close(); // Windows removes no file that is open
    for (const char *folder : {APP_NAME "-abc123", APP_NAME "-def456", APP_NAME "-ghi789"})
        QVERIFY(QDir(m_temp.path() + u'/' + QLatin1String(folder)).removeRecursively());
    m_leftAtEnd.clear();
}

void tst_Workers::stoppedWorkerOfAKilledAppIsLeftAlone()
{
#ifdef Q_OS_WIN
    QSKIP("Windows has no SIGSTOP");
#else
    QProcess host;
    const QList<qint64> pids = startHost(&host, 1);
    QCOMPARE(pids.size(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(!m_temp.entries().filter(QLatin1String(".progress")).isEmpty(),
                             TaskTimeout);
    ::kill(pid_t(pids.constFirst()), SIGSTOP); // as a debugger stops it
    host.kill();
    QTRY_VERIFY_WITH_TIMEOUT(host.state() == QProcess::NotRunning, TaskTimeout);
    const QStringList before = m_temp.entries();
    auto window = newWindow();
    QVERIFY2(runTask(window.get()).isValid(), qPrintable(status(window.get())));
    QCOMPARE(m_temp.entries(), before);
    ::kill(pid_t(pids.constFirst()), SIGCONT); // it runs again, sees its app gone, and ends
    QTRY_VERIFY_WITH_TIMEOUT(!processExists(pids.constFirst()), TaskTimeout);
    QVERIFY2(runTask(window.get()).isValid(), qPrintable(status(window.get())));
#endif
}

TESTSUPPORT_MAIN(tst_Workers)
#include "tst_workers.moc"
