// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// Several workers at once, through the real window and the real waiter thread, with the test
// worker program as the workers. (A worker that fails among others: tests/reliability.)

#include "testsupport.h"

#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

class tst_Parallel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void workersBoxOffersOneWorkerPerCore();
    void eachWorkerGetsItsCommandLineAndResultsKeepTheirOrder();
    void twoWorkersThroughTheWindowShowDone();
    void cancelEndsEveryWorker();

private:
    QTemporaryDir m_temp; // the app's TMPDIR, inherited by its workers
};

void tst_Parallel::initTestCase()
{
    QVERIFY(m_temp.isValid());
    qputenv("TMPDIR", QFile::encodeName(m_temp.path()));
}

void tst_Parallel::cleanup()
{
    QTRY_VERIFY2_WITH_TIMEOUT(filesIn(m_temp.path()).isEmpty(),
                              qPrintable(filesIn(m_temp.path()).join(u' ')), SettleTimeout);
}

void tst_Parallel::workersBoxOffersOneWorkerPerCore()
{
    auto window = newWindow();
    auto box = widget<QSpinBox>(window.get(), "workersBox");
    QCOMPARE(box->minimum(), 1);
    QCOMPARE(box->maximum(), qMax(1, QThread::idealThreadCount()));
    QCOMPARE(box->isVisible(), Task::Splittable);
}

// The waiter alone: worker i gets command line i, and result i is worker i's.
void tst_Parallel::eachWorkerGetsItsCommandLineAndResultsKeepTheirOrder()
{
    ScopedEnv mode("TESTWORKER_MODE", "echo");
    Waiter waiter;
    waiter.setWorkerProgram(QStringLiteral(TEST_WORKER));
    WaiterLog log(&waiter);
    bool finished = false;
    connect(&waiter, &QThread::finished, this, [&] { finished = true; });
    const QList<QStringList> arguments = {{QStringLiteral("part-1")},
                                          {QStringLiteral("part 2"), QStringLiteral("x")},
                                          {QStringLiteral("part-3")}};
    QVERIFY(waiter.start(arguments));
    QTRY_VERIFY_WITH_TIMEOUT(finished, TaskTimeout);
    QCOMPARE(log.started.size(), 1);
    QCOMPARE(log.succeeded.size(), 1);
    const QList<qint64> pids = log.started.first();
    const QList<QByteArray> results = log.succeeded.first();
    QCOMPARE(pids.size(), 3);
    QCOMPARE(results.size(), 3);
    for (int i = 0; i < 3; ++i) {
        const QString result = QString::fromUtf8(results.at(i));
        const QString expected = QStringLiteral("pid %1: --worker %2 --result ")
                                         .arg(pids.at(i))
                                         .arg(arguments.at(i).join(u' '));
        QVERIFY2(result.startsWith(expected), qPrintable(result));
    }
}

void tst_Parallel::twoWorkersThroughTheWindowShowDone()
{
    auto window = newWindow();
    widget<QSpinBox>(window.get(), "workersBox")->setMaximum(2);
    widget<QSpinBox>(window.get(), "workersBox")->setValue(2);
    WaiterLog log(waiterOf(window.get()));
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(status(window.get()), QStringLiteral("Done."));
    QCOMPARE(workerPids(window.get()).size(), 2);
    QCOMPARE(log.succeeded, QList<QList<QByteArray>> {QList<QByteArray>(2, defaultResultBytes())});
    QTRY_VERIFY_WITH_TIMEOUT(!anyProcessExists(workerPids(window.get())), SettleTimeout);
}

void tst_Parallel::cancelEndsEveryWorker()
{
    ScopedEnv mode("TESTWORKER_MODE", "hang");
    auto window = newWindow();
    widget<QSpinBox>(window.get(), "workersBox")->setMaximum(3);
    widget<QSpinBox>(window.get(), "workersBox")->setValue(3);
    click(window.get(), "startButton");
    QTRY_COMPARE_WITH_TIMEOUT(workerPids(window.get()).size(), 3, TaskTimeout);
    const QList<qint64> pids = workerPids(window.get());
    for (qint64 pid : pids)
        QVERIFY(processExists(pid));
    click(window.get(), "cancelButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(status(window.get()), QStringLiteral("Cancelled."));
    QTRY_VERIFY_WITH_TIMEOUT(!anyProcessExists(pids), SettleTimeout);
}

QTEST_MAIN(tst_Parallel)
#include "tst_parallel.moc"
