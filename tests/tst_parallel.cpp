// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// Parallel workers, driven through the real window: the task split over several detached copies
// of the app, and ended together.

#include "demotask.h"
#include "expected.h"
#include "mainwindow.h"
#include "testsupport.h"
#include "windowdriver.h"

#include <QApplication>
#include <QComboBox>
#include <QProgressBar>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

using namespace WindowDriver;

namespace {
constexpr int TaskTimeout = 60000; // generous: sanitizer builds are slow

// Enough work that the other shares are still running when the failing worker fails halfway
// through its own.
TaskInput sharesThatOutliveAFailure()
{
    return DemoTask::slow();
}
} // namespace

class tst_Parallel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void workersSpinBoxOffersOneWorkerPerCore();
    void twoWorkersGiveTheCombinedResult();
    void cancelEndsEveryHangingWorker();
    void oneFailingWorkerEndsTheOthers_data();
    void oneFailingWorkerEndsTheOthers();

private:
    std::unique_ptr<MainWindow> newWindow(const TaskInput &input, int workers, Failure failure);
    void verifyNoTempFiles();

    QTemporaryDir m_temp;
};

void tst_Parallel::initTestCase()
{
    QVERIFY(m_temp.isValid());
    qputenv("TMPDIR", QFile::encodeName(m_temp.path()));
}

std::unique_ptr<MainWindow> tst_Parallel::newWindow(const TaskInput &input, int workers,
                                                    Failure failure)
{
    auto window = WindowDriver::newWindow(input);
    auto workersBox = widget<QSpinBox>(window.get(), "workersBox");
    workersBox->setMaximum(qMax(workers, workersBox->maximum())); // more than this machine's cores
    workersBox->setValue(workers);
    widget<QComboBox>(window.get(), "failureBox")->setCurrentIndex(int(failure));
    return window;
}

void tst_Parallel::verifyNoTempFiles()
{
    QTRY_VERIFY2(filesIn(m_temp.path()).isEmpty(),
                 qPrintable(filesIn(m_temp.path()).join(QLatin1String(", "))));
}

void tst_Parallel::workersSpinBoxOffersOneWorkerPerCore()
{
    MainWindow window;
    auto workersBox = widget<QSpinBox>(&window, "workersBox");
    QCOMPARE(workersBox->minimum(), 1);
    QCOMPARE(workersBox->maximum(), qMax(1, QThread::idealThreadCount()));
    QCOMPARE(workersBox->value(), 1);
}

void tst_Parallel::twoWorkersGiveTheCombinedResult()
{
    const TaskInput input = DemoTask::quick();
    auto window = newWindow(input, 2, Failure::None);
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);

    QCOMPARE(text(window.get(), "statusLabel"), QStringLiteral("Done."));
    const TaskResult expected = expectedResult(input, 2);
    QString why;
    QVERIFY2(DemoTask::isPlausible(expected, &why), qPrintable(why));
    QCOMPARE(text(window.get(), "resultLabel"), Task::describe(expected));
    // Each worker drew from a stream of its own: the split result differs from a single worker's.
    QVERIFY(serialized(expected) != serialized(expectedResult(input, 1)));

    const QList<qint64> pids = workerPids(window.get());
    QCOMPARE(pids.size(), 2);
    QVERIFY(pids.at(0) != pids.at(1));
    QTRY_VERIFY(!anyProcessExists(pids));
    auto bar = widget<QProgressBar>(window.get(), "progressBar");
    QCOMPARE(bar->value(), bar->maximum());
    verifyNoTempFiles();
}

void tst_Parallel::cancelEndsEveryHangingWorker()
{
    // The first worker hangs halfway in a call that checks no flag; the other two are still at
    // work.
    auto window = newWindow(sharesThatOutliveAFailure(), 3, Failure::Hang);
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(workerPids(window.get()).size() == 3, TaskTimeout);
    const QList<qint64> pids = workerPids(window.get());
    QTRY_VERIFY_WITH_TIMEOUT(widget<QProgressBar>(window.get(), "progressBar")->value() >= 400,
                             TaskTimeout);
    QVERIFY(!isIdle(window.get()));
    for (qint64 pid : pids)
        QVERIFY(processExists(pid));

    click(window.get(), "cancelButton");
    QTRY_COMPARE(text(window.get(), "statusLabel"), QStringLiteral("Cancelled."));
    QTRY_VERIFY(!anyProcessExists(pids));
    verifyNoTempFiles();
}

void tst_Parallel::oneFailingWorkerEndsTheOthers_data()
{
    QTest::addColumn<int>("failure");
    QTest::addColumn<QString>("message");
    QTest::newRow("crash") << int(Failure::Crash)
                           << QStringLiteral("Worker 1 of 3 (pid %1) stopped without writing a "
                                             "result");
    QTest::newRow("exception") << int(Failure::Exception)
                               << QStringLiteral("The task failed in worker 1 of 3 (pid %1): "
                                                 "simulated failure");
}

void tst_Parallel::oneFailingWorkerEndsTheOthers()
{
    QFETCH(int, failure);
    QFETCH(QString, message);

    auto window = newWindow(sharesThatOutliveAFailure(), 3, Failure(failure));
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    const QList<qint64> pids = workerPids(window.get());
    QCOMPARE(pids.size(), 3);
    const QString status = text(window.get(), "statusLabel");
    QVERIFY2(status.startsWith(message.arg(pids.constFirst())), qPrintable(status));
    QVERIFY(text(window.get(), "resultLabel").isEmpty());
    QTRY_VERIFY(!anyProcessExists(pids)); // the two healthy workers were ended, not waited for
    verifyNoTempFiles();

    // And the window is ready for the next task.
    widget<QComboBox>(window.get(), "failureBox")->setCurrentIndex(int(Failure::None));
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(text(window.get(), "statusLabel"), QStringLiteral("Done."));
}

QTEST_MAIN(tst_Parallel)
#include "tst_parallel.moc"
