// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The demo task's own test: the one test that knows what the task computes (e). When you swap in
// your task, replace this file with your task's test; no other test needs to change.

#include "testsupport.h"

#include <QAccessible>
#include <QCommandLineParser>
#include <QProcess>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

namespace {
TaskInput input(quint64 trials, quint32 seed = 1)
{
    TaskInput input;
    input.trials = trials;
    input.seed = seed;
    return input;
}

// What the window shows for `input` with `workers` workers, computed here in the test.
TaskResult expectedResult(const TaskInput &input, int workers)
{
    const auto ignore = [](qint64, qint64, const QString &) {};
    if (workers == 1)
        return Task::run(input, ignore);
    QList<TaskResult> results;
    for (int index = 0; index < workers; ++index)
        results << Task::run(Task::share(input, index, workers), ignore);
    return Task::combine(results);
}

bool readArguments(const QStringList &arguments, TaskInput *input, QString *error)
{
    QCommandLineParser parser;
    Task::addOptions(parser);
    if (!parser.parse(QStringList {QStringLiteral("app")} + arguments)) {
        *error = parser.errorText();
        return false;
    }
    return Task::readOptions(parser, input, error);
}
} // namespace

class tst_DemoTask : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void runEstimatesE();
    void runReportsProgress();
    void sharesCoverEveryTrialWithTheirOwnSeeds();
    void inputAndResultRoundTrip();
    void badOptionsSayWhy_data();
    void badOptionsSayWhy();
    void windowShowsTheEstimate_data();
    void windowShowsTheEstimate();
    void workerPrintsTheEstimateInATerminal();
    void workerRefusesBadInputWithItsReason();
    void workerRunsAnInputFileLikeTheApp();
    void workerCommandLineHoldsNoTaskData();
    void aResultNotOfThisTaskIsNamed();

private:
    QTemporaryDir m_temp;
};

void tst_DemoTask::initTestCase()
{
    QVERIFY(m_temp.isValid());
    qputenv("TMPDIR", QFile::encodeName(m_temp.path()));
}

void tst_DemoTask::runEstimatesE()
{
    const TaskResult result =
            Task::run(input(2'000'000, 7), [](qint64, qint64, const QString &) {});
    QCOMPARE(result.trials, quint64(2'000'000));
    QVERIFY2(std::abs(result.estimate - M_E) < 0.01, qPrintable(Task::describe(result)));
    const TaskResult again = Task::run(input(2'000'000, 7), [](qint64, qint64, const QString &) {});
    QCOMPARE(again.estimate, result.estimate); // the same seed, the same draws
}

void tst_DemoTask::runReportsProgress()
{
    qint64 last = 0;
    int calls = 0;
    Task::run(input(1'000'000), [&](qint64 done, qint64 total, const QString &) {
        QCOMPARE(total, qint64(1'000'000));
        QVERIFY(done > last && done <= total);
        last = done;
        ++calls;
    });
    QVERIFY2(calls >= 10, qPrintable(QString::number(calls)));
}

void tst_DemoTask::sharesCoverEveryTrialWithTheirOwnSeeds()
{
    const TaskInput whole = input(1'000'003, 42);
    quint64 trials = 0;
    QSet<quint32> seeds;
    for (int index = 0; index < 3; ++index) {
        const TaskInput part = Task::share(whole, index, 3);
        trials += part.trials;
        seeds << part.seed;
    }
    QCOMPARE(trials, whole.trials);
    QCOMPARE(seeds.size(), 3);
    const TaskResult combined = expectedResult(whole, 3);
    QCOMPARE(combined.trials, whole.trials);
    QVERIFY2(std::abs(combined.estimate - M_E) < 0.01, qPrintable(Task::describe(combined)));
}

// The input and the result travel through QDataStream: what goes in comes out.
void tst_DemoTask::inputAndResultRoundTrip()
{
    const TaskInput original = input(12345, 4294967295u);
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setVersion(DataFile::StreamVersion);
    out << original << TaskResult {2.5, 77};
    QDataStream in(bytes);
    in.setVersion(DataFile::StreamVersion);
    TaskInput read;
    TaskResult result;
    in >> read >> result;
    QCOMPARE(in.status(), QDataStream::Ok);
    QVERIFY(in.atEnd());
    QCOMPARE(read.trials, original.trials);
    QCOMPARE(read.seed, original.seed);
    QCOMPARE(result.estimate, 2.5);
    QCOMPARE(result.trials, quint64(77));
}

void tst_DemoTask::badOptionsSayWhy_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("error");
    QTest::newRow("trials not a number")
            << QStringList {QStringLiteral("--trials"), QStringLiteral("many")}
            << QStringLiteral("--trials takes a whole number above 0, not 'many'");
    QTest::newRow("no trials") << QStringList {QStringLiteral("--trials"), QStringLiteral("0")}
                               << QStringLiteral("--trials takes a whole number above 0, not '0'");
    QTest::newRow("seed too big")
            << QStringList {QStringLiteral("--seed"), QStringLiteral("4294967296")}
            << QStringLiteral("--seed takes a whole number up to 4294967295, not '4294967296'");
}

void tst_DemoTask::badOptionsSayWhy()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, error);
    TaskInput read;
    QString why;
    QVERIFY(!readArguments(arguments, &read, &why));
    QCOMPARE(why, error);
}

void tst_DemoTask::windowShowsTheEstimate_data()
{
    QTest::addColumn<int>("workers");
    QTest::newRow("1 worker") << 1;
    QTest::newRow("2 workers") << 2;
}

// The real app binary as the worker, the input typed into the window's own fields.
void tst_DemoTask::windowShowsTheEstimate()
{
    QFETCH(int, workers);
    auto window = newWindow(QStringLiteral(APP_PROGRAM));
    widget<QSpinBox>(window.get(), "trialsBox")->setValue(2'000'000);
    widget<QSpinBox>(window.get(), "seedBox")->setValue(7);
    widget<QSpinBox>(window.get(), "workersBox")->setMaximum(workers);
    widget<QSpinBox>(window.get(), "workersBox")->setValue(workers);
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(status(window.get()), QStringLiteral("Done."));
    const QString expected = Task::describe(expectedResult(input(2'000'000, 7), workers));
    QCOMPARE(text(window.get(), "resultLabel"), expected);
    // A screen reader reads the result itself, not a fixed name.
    QAccessibleInterface *result =
            QAccessible::queryAccessibleInterface(widget<QLabel>(window.get(), "resultLabel"));
    QCOMPARE(result->text(QAccessible::Name), expected);
    QCOMPARE(workerPids(window.get()).size(), workers);
}

void tst_DemoTask::workerPrintsTheEstimateInATerminal()
{
    QProcess worker;
    worker.start(QStringLiteral(APP_PROGRAM),
                 {QStringLiteral("--worker"), QStringLiteral("--trials"), QStringLiteral("100000"),
                  QStringLiteral("--seed"), QStringLiteral("3")});
    QVERIFY(worker.waitForFinished(TaskTimeout));
    QCOMPARE(worker.exitCode(), int(Worker::ExitOk));
    const QString expected = Task::describe(expectedResult(input(100'000, 3), 1));
    QCOMPARE(QString::fromUtf8(worker.readAllStandardOutput()).trimmed(), expected);
}

void tst_DemoTask::workerRefusesBadInputWithItsReason()
{
    QProcess worker;
    worker.start(QStringLiteral(APP_PROGRAM),
                 {QStringLiteral("--worker"), QStringLiteral("--trials"), QStringLiteral("many")});
    QVERIFY(worker.waitForFinished(TaskTimeout));
    QCOMPARE(worker.exitCode(), int(Worker::ExitTaskFailed));
    const QString errors = QString::fromLocal8Bit(worker.readAllStandardError());
    QVERIFY2(errors.contains(QLatin1String("--trials takes a whole number above 0, not 'many'")),
             qPrintable(errors));
}

// `--worker --input FILE --token T`, as a log line replays a worker: the input is read from the
// file, and the same input gives the same estimate as through the options.
void tst_DemoTask::workerRunsAnInputFileLikeTheApp()
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setVersion(DataFile::StreamVersion);
    out << input(100'000, 3);
    QFile file(m_temp.filePath(QStringLiteral("kept.input")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    QVERIFY(DataFile::write(&file, {"replay", {}, bytes}));
    file.close();
    QProcess worker;
    worker.start(QStringLiteral(APP_PROGRAM),
                 {QStringLiteral("--worker"), QStringLiteral("--input"), file.fileName(),
                  QStringLiteral("--token"), QStringLiteral("replay")});
    QVERIFY(worker.waitForFinished(TaskTimeout));
    QCOMPARE(worker.exitCode(), int(Worker::ExitOk));
    const QString expected = Task::describe(expectedResult(input(100'000, 3), 1));
    QCOMPARE(QString::fromUtf8(worker.readAllStandardOutput()).trimmed(), expected);
    QVERIFY(file.exists()); // --input's file is the user's: the worker leaves it
}

// The input travels in a file: the running worker's command line has none of it, and stays short.
void tst_DemoTask::workerCommandLineHoldsNoTaskData()
{
    auto window = newWindow(QStringLiteral(APP_PROGRAM));
    widget<QSpinBox>(window.get(), "trialsBox")->setValue(2'000'000'000);
    widget<QSpinBox>(window.get(), "seedBox")->setValue(987654);
    click(window.get(), "startButton");
    QTRY_COMPARE_WITH_TIMEOUT(workerPids(window.get()).size(), 1, TaskTimeout);
    QFile commandLine(QStringLiteral("/proc/%1/cmdline").arg(workerPids(window.get()).first()));
    QVERIFY(commandLine.open(QIODevice::ReadOnly));
    const QByteArray arguments = commandLine.readAll();
    QVERIFY2(arguments.size() < 1024, arguments.constData());
    QVERIFY2(!arguments.contains("--trials") && !arguments.contains("987654")
                     && !arguments.contains("2000000000"),
             arguments.constData());
    QVERIFY(arguments.contains(QByteArray("--input\0")));
    click(window.get(), "cancelButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(status(window.get()), QStringLiteral("Cancelled."));
}

// The window's own job decodes on the waiter thread: bytes that are no TaskResult (the test
// worker's echo) end in a sentence that names the worker, and the next Start works.
void tst_DemoTask::aResultNotOfThisTaskIsNamed()
{
    auto window = newWindow(QStringLiteral(APP_PROGRAM));
    waiterOf(window.get())->setWorkerProgram(QStringLiteral(TEST_WORKER)); // the task's own job
    {
        ScopedEnv mode("TESTWORKER_MODE", "echo");
        click(window.get(), "startButton");
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    }
    QCOMPARE(status(window.get()),
             QStringLiteral("The result of the worker (pid %1) could not be read: it is not a "
                            "result of this task.")
                     .arg(workerPids(window.get()).value(0)));
    QVERIFY(text(window.get(), "resultLabel").isEmpty());
    waiterOf(window.get())->setWorkerProgram(QStringLiteral(APP_PROGRAM));
    widget<QSpinBox>(window.get(), "trialsBox")->setValue(10'000);
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(status(window.get()), QStringLiteral("Done."));
}

QTEST_MAIN(tst_DemoTask)
#include "tst_demotask.moc"
