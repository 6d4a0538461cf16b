// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The soak: hundreds of tasks through the real window and the real worker binary, mixing
// successes, crashes and cancels, one worker at a time and four at once. Afterwards the app must
// hold the same file descriptors and threads as before, no worker may run, the temp folder must be
// empty, and its memory may have grown by less than 5 MiB.

#include "reliability.h"

#include <QApplication>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

#include <memory>

using namespace Reliability;

namespace {
constexpr int SequentialTasks = 200;
constexpr int ParallelRounds = 50;
constexpr int ParallelWorkers = 4;
constexpr int WarmUpTasks = 8;
constexpr qint64 MaxRssGrowthKiB = 5 * 1024;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool Sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool Sanitized = true;
#else
constexpr bool Sanitized = false;
#endif
#else
constexpr bool Sanitized = false;
#endif

enum class Kind { Success, Crash, CancelHung, CancelAtOnce };

Kind kindOf(int task)
{
    constexpr Kind Mix[] = {Kind::Success, Kind::Crash, Kind::CancelHung, Kind::CancelAtOnce};
    return Mix[task % 4];
}

int countEntries(const QString &folder)
{
    return QDir(folder)
            .entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System)
            .size();
}

// What a task could leave behind. Linux-only test code: it reads /proc.
struct Snapshot
{
    int fds = 0; // /proc/self/fd
    int threads = 0; // /proc/self/task, but for those of Qt's global thread pool
    int pooledThreads = 0;
    int workers = 0; // processes whose command line mentions our TMPDIR
    int files = 0; // entries in our TMPDIR
    qint64 rssKiB = 0; // VmRSS in /proc/self/status

    QString toString() const
    {
        return QStringLiteral("%1 fds, %2 threads (and %6 pooled), %3 workers, %4 temp files, "
                              "RSS %5 KiB")
                .arg(fds)
                .arg(threads)
                .arg(workers)
                .arg(files)
                .arg(rssKiB)
                .arg(pooledThreads);
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
    void soak(int tasks, int workers);
    void settle();
    void verifyBackTo(const Snapshot &baseline);

    QTemporaryDir m_base;
    QString m_temp;
    std::unique_ptr<MainWindow> m_window;
    QHash<int, QString> m_expected; // Task::describe() of the result, by worker count
};

void tst_Soak::initTestCase()
{
    QVERIFY2(m_base.isValid(), qPrintable(m_base.errorString()));
    m_temp = m_base.filePath(QStringLiteral("tmp"));
    QVERIFY(QDir().mkpath(m_temp));
    m_temp = QDir(m_temp).canonicalPath();
    qputenv("TMPDIR", QFile::encodeName(m_temp));
    QCOMPARE(QDir::tempPath(), m_temp);
    // Hundreds of tasks: keep the waiter's line per task and per failure out of the log.
    QLoggingCategory::setFilterRules(
            QStringLiteral(APP_NAME ".task.info=false\n" APP_NAME ".task.warning=false"));

    m_window = std::make_unique<MainWindow>(DemoTask::tiny());
    m_window->setWorkerProgram(QStringLiteral(WORKER_PROGRAM));
    m_window->show();
    if (!QTest::qWaitForWindowExposed(m_window.get()))
        qWarning("the window was not exposed");
    for (int workers : {1, ParallelWorkers})
        m_expected.insert(workers, Task::describe(expectedResult(DemoTask::tiny(), workers)));
}

void tst_Soak::cleanupTestCase()
{
    m_window.reset();
    QLoggingCategory::setFilterRules({});
}

Snapshot tst_Soak::snapshot() const
{
    Snapshot now;
    now.fds = countEntries(QStringLiteral("/proc/self/fd"));
    // Qt's global pool keeps idle threads for 30 s (bounded by its maxThreadCount): Qt's, not
    // the app's, so they are counted apart.
    const QStringList threads = threadNames();
    now.pooledThreads = int(threads.count(QStringLiteral("Thread (pooled)")));
    now.threads = int(threads.size()) - now.pooledThreads;
    now.workers = int(processesMentioning(m_temp).size());
    now.files = countEntries(m_temp);
    now.rssKiB = statusKiB("VmRSS");
    return now;
}

void tst_Soak::runTask(int task, int workers)
{
    QWidget *window = m_window.get();
    const Kind kind = kindOf(task);
    selectFailure(window,
                  kind == Kind::Crash                ? Failure::Crash
                          : kind == Kind::CancelHung ? Failure::Hang
                                                     : Failure::None);
    QVERIFY2(isIdle(window), qPrintable(QStringLiteral("task %1: Start is disabled").arg(task)));
    click(window, "startButton");
    if (kind == Kind::CancelAtOnce) {
        click(window, "cancelButton");
    } else if (kind == Kind::CancelHung) {
        QTRY_VERIFY_WITH_TIMEOUT(!resultFiles(window).isEmpty(), TaskTimeout);
        // The first worker writes this just before it blocks for good.
        const QString log = WorkerFiles::log(resultFiles(window).constFirst());
        QTRY_VERIFY_WITH_TIMEOUT(readAll(log).contains(QLatin1String("blocking forever")),
                                 TaskTimeout);
        click(window, "cancelButton");
    }
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window), TaskTimeout);

    const QString status = text(window, "statusLabel");
    const QString what =
            QStringLiteral("task %1 of kind %2: %3").arg(task).arg(int(kind)).arg(status);
    switch (kind) {
    case Kind::Success:
        QVERIFY2(status == QLatin1String("Done."), qUtf8Printable(what));
        QCOMPARE(text(window, "resultLabel"), m_expected.value(workers));
        break;
    case Kind::Crash:
        QVERIFY2(status.contains(QLatin1String(" stopped without writing a result: ")),
                 qUtf8Printable(what));
        break;
    case Kind::CancelHung:
    case Kind::CancelAtOnce:
        QVERIFY2(status == QLatin1String("Cancelled."), qUtf8Printable(what));
        break;
    }
}

void tst_Soak::runTasks(int count, int workers)
{
    setWorkers(m_window.get(), workers);
    for (int task = 0; task < count; ++task) {
        runTask(task, workers);
        if (QTest::currentTestFailed())
            return;
    }
}

// Workers end and the waiter thread exits (closing its files) a moment after the window shows the
// end of a task: counts are compared only once that is done.
void tst_Soak::settle()
{
    QTRY_COMPARE_WITH_TIMEOUT(snapshot().workers, 0, SettleTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(snapshot().files, 0, SettleTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(waiterThreads(), 0, SettleTimeout);
}

void tst_Soak::verifyBackTo(const Snapshot &baseline)
{
    settle();
    QTRY_COMPARE_WITH_TIMEOUT(snapshot().fds, baseline.fds, SettleTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(snapshot().threads, baseline.threads, SettleTimeout);

    const Snapshot after = snapshot();
    QVERIFY2(after.pooledThreads <= QThreadPool::globalInstance()->maxThreadCount(),
             qPrintable(after.toString()));
    qInfo("before: %s", qPrintable(baseline.toString()));
    qInfo("after:  %s", qPrintable(after.toString()));
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
    verifyBackTo(baseline);
}

void tst_Soak::sequentialTasksLeaveNothingBehind()
{
    soak(SequentialTasks, 1);
}

void tst_Soak::parallelRoundsLeaveNothingBehind()
{
    soak(ParallelRounds, ParallelWorkers);
}

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    tst_Soak test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_soak.moc"
