// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// Several workers at once, through the real window and the real waiter thread, with the test
// worker program as the workers. (A worker that fails among others: tests/reliability.)

#include "testsupport.h"

#include <QCryptographicHash>
#include <QProcess>
#include <QRandomGenerator>
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
    void eachWorkerGetsItsInputAndResultsKeepTheirOrder();
    void aBigInputReachesTheWorkersWhole();
    void aFailedWorkersInputIsKeptForReplay();
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

// The waiter alone: worker i gets input i, and result i is worker i's.
void tst_Parallel::eachWorkerGetsItsInputAndResultsKeepTheirOrder()
{
    ScopedEnv mode("TESTWORKER_MODE", "echo");
    Waiter waiter;
    waiter.setWorkerProgram(QStringLiteral(TEST_WORKER)); // with the jobs that start() gets
    WaiterLog log(&waiter);
    bool finished = false;
    connect(&waiter, &QThread::finished, this, [&] { finished = true; });
    const QList<QByteArray> inputs = {"part-1", "part 2\n x", QByteArray("part\0-3", 7)};
    QVERIFY(waiter.start(bytesJob(inputs)));
    QTRY_VERIFY_WITH_TIMEOUT(finished, TaskTimeout);
    QCOMPARE(log.started.size(), 1);
    QCOMPARE(log.succeeded.size(), 1);
    const QList<qint64> pids = log.started.first();
    const QList<QByteArray> results = log.succeeded.first();
    QCOMPARE(pids.size(), 3);
    QCOMPARE(results.size(), 3);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(results.at(i), "pid " + QByteArray::number(pids.at(i)) + ": " + inputs.at(i));
}

// 256 MiB of input, in two parts: every byte reaches its worker, none on a command line.
void tst_Parallel::aBigInputReachesTheWorkersWhole()
{
    ScopedEnv mode("TESTWORKER_MODE", "input");
    Waiter waiter;
    waiter.setWorkerProgram(QStringLiteral(TEST_WORKER)); // with the jobs that start() gets
    WaiterLog log(&waiter);
    bool finished = false;
    connect(&waiter, &QThread::finished, this, [&] { finished = true; });
    QList<QByteArray> inputs(2, QByteArray(128 << 20, Qt::Uninitialized));
    for (int part = 0; part < 2; ++part) {
        QRandomGenerator random(quint32(part + 1));
        random.fillRange(reinterpret_cast<quint32 *>(inputs[part].data()),
                         inputs[part].size() / int(sizeof(quint32)));
    }
    QList<QByteArray> expected;
    for (const QByteArray &input : std::as_const(inputs))
        expected << QByteArray::number(input.size()) + ' '
                        + QCryptographicHash::hash(input, QCryptographicHash::Sha1).toHex();
    QVERIFY(waiter.start(bytesJob(inputs)));
    inputs.clear(); // the job holds the only copy now
    QTRY_VERIFY_WITH_TIMEOUT(finished, TaskTimeout);
    QCOMPARE(log.failed, QStringList());
    QCOMPARE(log.succeeded, QList<QList<QByteArray>> {expected});
}

// --keep-input: the input of the worker that failed, and only its, is copied out, and the log's
// line replays the worker on it.
void tst_Parallel::aFailedWorkersInputIsKeptForReplay()
{
    const QTemporaryDir keep;
    QVERIFY(keep.isValid());
    Waiter waiter;
    waiter.setWorkerProgram(QStringLiteral(TEST_WORKER));
    waiter.setKeepInputFolder(keep.path());
    WaiterLog log(&waiter);
    bool finished = false;
    connect(&waiter, &QThread::finished, this, [&] { finished = true; });
    ScopedEnv mode("TESTWORKER_MODE", "throw");
    const QByteArray input("an input that \0 fails", 22);
    QVERIFY(waiter.start(bytesJob({input})));
    QTRY_VERIFY_WITH_TIMEOUT(finished, TaskTimeout);
    QCOMPARE(log.failed.size(), 1);
    const QStringList kept = filesIn(keep.path());
    QCOMPARE(kept.size(), 1);
    const QString token = kept.first().section(u'-', 1).section(u'.', 0, 0);
    ScopedEnv echo("TESTWORKER_MODE", "echo");
    QProcess replay;
    replay.start(QStringLiteral(TEST_WORKER),
                 {QStringLiteral("--worker"), QStringLiteral("--input"),
                  keep.filePath(kept.first()), QStringLiteral("--token"), token});
    QVERIFY(replay.waitForFinished(TaskTimeout));
    QCOMPARE(replay.exitCode(), int(Worker::ExitOk));
    QCOMPARE(QString::fromUtf8(replay.readAllStandardOutput()).trimmed(),
             QStringLiteral("testworker: done in mode echo, input of 22 bytes"));
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
