// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The soak: hundreds of short tasks through the real window, the real waiter thread and the test
// worker, one worker at a time and then in parallel rounds, mixing successes, failures and
// cancels. Afterwards the app must hold the same file descriptors and threads as before, no worker
// may run, its TMPDIR must be empty, and its memory may have grown by less than 5 MiB.

#include "reliability.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

#include <memory>

namespace {
constexpr int SequentialTasks = 200;
constexpr int ParallelRounds = 100;
constexpr int ParallelWorkers = 3;
constexpr int WarmUpTasks = 10;
constexpr qint64 MaxRssGrowthKiB = 5 * 1024;

enum class Kind { Success, Failure, NoResult, CancelHung, CancelAtOnce };

Kind kindOf(int task)
{
    constexpr Kind Mix[] = {Kind::Success, Kind::Failure, Kind::NoResult, Kind::CancelHung,
                            Kind::CancelAtOnce};
    return Mix[task % 5];
}

// The test worker's job for each kind (every worker of a task takes it). A task cancelled at once
// hangs too, so that it cannot end by itself before Cancel is clicked.
QByteArray modeOf(Kind kind)
{
    switch (kind) {
    case Kind::Success:
        return "ok";
    case Kind::Failure:
        return "throw";
    case Kind::NoResult:
        return "exit";
    case Kind::CancelHung:
    case Kind::CancelAtOnce:
        return "hang";
    }
    return {};
}

// What a task could leave behind. Linux-only test code: it reads /proc.
struct Snapshot
{
    int fds = 0;
    int threads = 0; // but for those of Qt's global thread pool
    int pooledThreads = 0;
    int waiterThreads = 0;
    int workers = 0; // processes whose command line mentions the test's folder
    int files = 0; // entries in the app's TMPDIR
    qint64 rssKiB = 0;

    QString toString() const
    {
        return QStringLiteral("%1 fds, %2 threads (and %3 pooled), %4 workers, %5 temp files, "
                              "RSS %6 KiB")
                .arg(fds)
                .arg(threads)
                .arg(pooledThreads)
                .arg(workers)
                .arg(files)
                .arg(rssKiB);
    }
};
} // namespace

class tst_Soak : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void sequentialTasksLeaveNothingBehind();
    void parallelRoundsLeaveNothingBehind();

private:
    Snapshot snapshot() const;
    void runTask(int task, int workers);
    void runTasks(int count, int workers);
    void settle();
    void soak(int tasks, int workers);

    QTemporaryDir m_base; // made before TMPDIR changes
    QString m_temp; // the app's TMPDIR, inherited by its workers
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WaiterLog> m_log;
};

void tst_Soak::initTestCase()
{
    QVERIFY2(m_base.isValid(), qPrintable(m_base.errorString()));
    m_temp = m_base.filePath(QStringLiteral("tmp"));
    QVERIFY(QDir().mkpath(m_temp));
    m_temp = QDir(m_temp).canonicalPath();
    qputenv("TMPDIR", QFile::encodeName(m_temp));
    QCOMPARE(QDir::tempPath(), m_temp);
    qputenv("TESTWORKER_MILLIS", "0"); // short tasks: the machinery is what is soaked
    // Hundreds of tasks: keep the waiter's lines per task out of the log.
    QLoggingCategory::setFilterRules(
            QStringLiteral(APP_NAME ".waiter.info=false\n" APP_NAME ".waiter.warning=false"));

    m_window = newWindow();
    m_log = std::make_unique<WaiterLog>(waiterOf(m_window.get()));
}

void tst_Soak::cleanupTestCase()
{
    m_log.reset();
    m_window.reset();
    QLoggingCategory::setFilterRules({});
}

Snapshot tst_Soak::snapshot() const
{
    Snapshot now;
    now.fds = openFds();
    const QStringList threads = threadNames();
    // Qt's global pool keeps idle threads for 30 s: Qt's, not the app's, so counted apart.
    now.pooledThreads = int(threads.count(QStringLiteral("Thread (pooled)")));
    now.waiterThreads = int(threads.count(QStringLiteral("waiter")));
    now.threads = int(threads.size()) - now.pooledThreads;
    now.workers = int(processesMentioning(m_base.path()).size());
    now.files = int(filesIn(m_temp).size());
    now.rssKiB = statusKiB("VmRSS");
    return now;
}

void tst_Soak::runTask(int task, int workers)
{
    QWidget *window = m_window.get();
    const Kind kind = kindOf(task);
    QVERIFY2(isIdle(window), qPrintable(QStringLiteral("task %1: Start is disabled").arg(task)));
    qputenv("TESTWORKER_MODE", modeOf(kind)); // no waiter thread runs: nothing reads it now
    m_log->clear();
    const FilesAtEnd atEnd(waiterOf(window), m_temp);
    click(window, "startButton");
    if (kind == Kind::CancelAtOnce) {
        click(window, "cancelButton");
    } else if (kind == Kind::CancelHung) {
        QTRY_VERIFY_WITH_TIMEOUT(logsContaining(m_temp, "testworker: blocking forever") > 0,
                                 TaskTimeout);
        // The thread the checks below expect gone after the task is there during it.
        QVERIFY2(threadNames().contains(QStringLiteral("waiter")),
                 qPrintable(threadNames().join(QLatin1String(", "))));
        click(window, "cancelButton");
    }
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window), TaskTimeout);

    const QString shown = status(window);
    const QString what =
            QStringLiteral("task %1 of kind %2: %3").arg(task).arg(int(kind)).arg(shown);
    // Its folder went before the waiter told of its end, whatever the end.
    QVERIFY2(atEnd.ends() == QList<QStringList> {QStringList()}, qUtf8Printable(what));
    switch (kind) {
    case Kind::Success:
        QVERIFY2(shown == QLatin1String("Done."), qUtf8Printable(what));
        QCOMPARE(m_log->succeeded,
                 QList<QList<QByteArray>> {QList<QByteArray>(workers, defaultResultBytes())});
        break;
    case Kind::Failure:
        QVERIFY2(shown.startsWith(QLatin1String("The task failed in "))
                         && shown.endsWith(
                                 QLatin1String(": simulated failure: the job threw halfway")),
                 qUtf8Printable(what));
        QCOMPARE(m_log->failed, QStringList {shown});
        break;
    case Kind::NoResult:
        QVERIFY2(shown.contains(QLatin1String(" stopped without writing a result: ")),
                 qUtf8Printable(what));
        QCOMPARE(m_log->failed, QStringList {shown});
        break;
    case Kind::CancelHung:
    case Kind::CancelAtOnce:
        QVERIFY2(shown == QLatin1String("Cancelled."), qUtf8Printable(what));
        QCOMPARE(m_log->cancelled, 1);
        break;
    }
}

void tst_Soak::runTasks(int count, int workers)
{
    setWorkers(m_window.get(), workers);
    for (int task = 0; task < count && !QTest::currentTestFailed(); ++task)
        runTask(task, workers);
}

// Workers end a moment after the window shows the end of a task, and the waiter thread a moment
// after it emits finished(): counts are compared only once that is done.
void tst_Soak::settle()
{
    QTRY_COMPARE_WITH_TIMEOUT(snapshot().workers, 0, SettleTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(snapshot().files, 0, SettleTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(snapshot().waiterThreads, 0, SettleTimeout);
}

// Warms up, takes the counts, runs `tasks` tasks of `workers` workers each, and checks that the
// counts came back.
void tst_Soak::soak(int tasks, int workers)
{
    runTasks(WarmUpTasks, workers);
    if (QTest::currentTestFailed())
        return;
    settle();
    const Snapshot baseline = snapshot();

    QElapsedTimer clock;
    clock.start();
    runTasks(tasks, workers);
    if (QTest::currentTestFailed())
        return;
    qInfo("%d tasks of %d worker(s) in %.1f s", tasks, workers, double(clock.elapsed()) / 1000);

    settle();
    // A leak is growth; fewer is fine (a sanitizer may have had a report file open at the start).
    QTRY_VERIFY2_WITH_TIMEOUT(snapshot().fds <= baseline.fds, qPrintable(snapshot().toString()),
                              SettleTimeout);
    QTRY_VERIFY2_WITH_TIMEOUT(snapshot().threads <= baseline.threads,
                              qPrintable(snapshot().toString()), SettleTimeout);
    const Snapshot after = snapshot();
    qInfo("before: %s", qPrintable(baseline.toString()));
    qInfo("after:  %s", qPrintable(after.toString()));
    QVERIFY2(after.pooledThreads <= QThreadPool::globalInstance()->maxThreadCount(),
             qPrintable(after.toString()));
    const qint64 growth = after.rssKiB - baseline.rssKiB;
    if (Sanitized) {
        // ASan keeps freed memory in quarantine and TSan adds shadow memory: RSS says little.
        qInfo("RSS grew by %lld KiB (not checked in a sanitizer build)", growth);
        return;
    }
    QVERIFY2(growth < MaxRssGrowthKiB,
             qPrintable(QStringLiteral("RSS grew by %1 KiB, from %2 KiB")
                                .arg(growth)
                                .arg(baseline.rssKiB)));
}

void tst_Soak::sequentialTasksLeaveNothingBehind()
{
    soak(SequentialTasks, 1);
}

void tst_Soak::parallelRoundsLeaveNothingBehind()
{
    soak(ParallelRounds, ParallelWorkers);
}

QTEST_MAIN(tst_Soak)

#include "tst_soak.moc"
