// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The demo task's own test, the one test that knows what the task computes (e): its split and
// combine, its data through QDataStream, `--worker` in a terminal, and the real app end to end in
// the window. When you swap in your task, replace this file with your task's test.

#include "testsupport.h"

#include <QProcess>
#include <QRegularExpression>
#include <QSet>

#include <cmath>

namespace {
// "e ≈ 2.718282 from 3,000,000 trials...": the estimate's digits ("2.718282") and the trials'
// ("3000000"), whatever the locale groups them with.
QString estimateIn(const QString &text)
{
    return QRegularExpression(QStringLiteral("e ≈ (\\d+\\.\\d+)")).match(text).captured(1);
}

QString trialsIn(const QString &text)
{
    return QRegularExpression(QStringLiteral(" from (.+) trials"))
            .match(text)
            .captured(1)
            .remove(QRegularExpression(QStringLiteral("\\D")));
}
} // namespace

class tst_DemoTask : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void splitSharesOutEveryTrialOnce_data();
    void splitSharesOutEveryTrialOnce();
    void splitIntoOneIsTheInputItself();
    void combineIsTheMeanWeightedByTrials();
    void inputAndResultRoundTrip();
    void workerPrintsOneSummaryLineInATerminal();
    void workerRefusesWithOneLine_data();
    void workerRefusesWithOneLine();
    void windowShowsTheEstimate_data();
    void windowShowsTheEstimate();

private:
    TempFolder m_temp; // the workers' folders go here, and must be gone after each task
};

void tst_DemoTask::initTestCase()
{
    QCoreApplication::setApplicationName(QStringLiteral(APP_NAME)); // as the app's locks name it
}

void tst_DemoTask::cleanup()
{
    QVERIFY2(m_temp.entries().isEmpty(), qPrintable(m_temp.entries().join(u' ')));
}

void tst_DemoTask::splitSharesOutEveryTrialOnce_data()
{
    QTest::addColumn<qulonglong>("trials");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("parts");
    QTest::newRow("3 of 1,000,003") << 1'000'003ULL << 3 << 3;
    QTest::newRow("2 of 2") << 2ULL << 2 << 2;
    QTest::newRow("8 of 3: one a trial") << 3ULL << 8 << 3;
    QTest::newRow("64 of 1") << 1ULL << 64 << 1;
}

void tst_DemoTask::splitSharesOutEveryTrialOnce()
{
    QFETCH(qulonglong, trials);
    QFETCH(int, count);
    QFETCH(int, parts);
    const QList<TaskInput> split = Task::split(TaskInput {trials, 42}, count);
    QCOMPARE(split.size(), parts);
    quint64 sum = 0;
    QSet<quint32> seeds;
    for (const TaskInput &part : split) {
        QVERIFY(part.trials > 0);
        sum += part.trials;
        seeds << part.seed;
    }
    QCOMPARE(sum, trials);
    QCOMPARE(seeds.size(), parts); // each part draws numbers of its own
}

// One worker gives the same estimate as `--worker` with the same options.
void tst_DemoTask::splitIntoOneIsTheInputItself()
{
    const QList<TaskInput> split = Task::split(TaskInput {1'000'003, 42}, 1);
    QCOMPARE(split.size(), 1);
    QCOMPARE(split[0].trials, 1'000'003ULL);
    QCOMPARE(split[0].seed, 42U);
}

void tst_DemoTask::combineIsTheMeanWeightedByTrials()
{
    const TaskResult combined = Task::combine({{2.0, 1}, {3.0, 3}});
    QCOMPARE(combined.estimate, 2.75);
    QCOMPARE(combined.trials, 4ULL);
    const TaskResult none = Task::combine({});
    QCOMPARE(none.estimate, 0.0);
    QCOMPARE(none.trials, 0ULL);
}

// The input and the result travel in files: what goes in comes out, and nothing more.
void tst_DemoTask::inputAndResultRoundTrip()
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    DataFile::writeHeader(out, "token");
    out << TaskInput {12345, 4'294'967'295U} << TaskResult {2.718281828459045, 77};
    QDataStream in(bytes);
    QByteArray token;
    QVERIFY(DataFile::readHeader(in, &token).isEmpty());
    TaskInput readInput;
    TaskResult readResult;
    in >> readInput >> readResult;
    QCOMPARE(in.status(), QDataStream::Ok);
    QVERIFY(in.atEnd());
    QCOMPARE(readInput.trials, 12345ULL);
    QCOMPARE(readInput.seed, 4'294'967'295U);
    QCOMPARE(readResult.estimate, 2.718281828459045);
    QCOMPARE(readResult.trials, 77ULL);
}

void tst_DemoTask::workerPrintsOneSummaryLineInATerminal()
{
    const AppRun run = runApp(QStringLiteral("--worker --trials 2000000 --seed 7").split(u' '));
    QCOMPARE(run.exitCode, int(Worker::ExitOk));
    QVERIFY2(run.out.size() == 1, qPrintable(run.out.join(u'\n')));
    QVERIFY2(run.out[0].startsWith(QStringLiteral("e ≈ 2.7")), qPrintable(run.out[0]));
    QCOMPARE(trialsIn(run.out[0]), QStringLiteral("2000000"));
    const QRegularExpression progress(QStringLiteral("^" APP_NAME ": \\d+% "));
    for (const QString &line : run.err) // progress only
        QVERIFY2(progress.match(line).hasMatch(), qPrintable(line));
}

void tst_DemoTask::workerRefusesWithOneLine_data()
{
    QTest::addColumn<QByteArray>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("names"); // what its line names

    const auto row = [](const char *name, const char *arguments, int exitCode, const char *names) {
        QTest::newRow(name) << QByteArray(arguments) << exitCode << QString::fromUtf8(names);
    };
    row("no trials", "--worker --trials 0", Worker::ExitFailed, "--trials");
    row("trials not a number", "--worker --trials many", Worker::ExitFailed, "--trials");
    row("seed too big", "--worker --seed 4294967296", Worker::ExitFailed, "--seed");
    row("unknown option", "--worker --bogus", Worker::ExitUsage, "bogus");
    row("unexpected argument", "--worker extra", Worker::ExitUsage, "extra");
    row("missing input file", "--worker --input 1.input", Worker::ExitFailed, "");
}

void tst_DemoTask::workerRefusesWithOneLine()
{
    QFETCH(QByteArray, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, names);
    const AppRun run = runApp(QString::fromUtf8(arguments).split(u' '));
    QCOMPARE(run.exitCode, exitCode);
    QVERIFY2(run.out.isEmpty(), qPrintable(run.out.join(u'\n')));
    QVERIFY2(run.err.size() == 1 && run.err[0].contains(names), qPrintable(run.err.join(u'\n')));
}

void tst_DemoTask::windowShowsTheEstimate_data()
{
    QTest::addColumn<int>("workers");
    QTest::newRow("1 worker, as in a terminal") << 1;
    QTest::newRow("2 workers") << 2;
}

// The real app end to end: the window's own job, its workers the app binary.
void tst_DemoTask::windowShowsTheEstimate()
{
    QFETCH(int, workers);
    MainWindow window;
    window.waiter()->setWorkerProgram(QStringLiteral(APP_PROGRAM)); // not the test binary
    widget<QSpinBox>(&window, "trialsBox")->setValue(3'000'000);
    widget<QSpinBox>(&window, "seedBox")->setValue(7);
    auto workersBox = widget<QSpinBox>(&window, "workersBox");
    workersBox->setMaximum(qMax(workersBox->maximum(), workers)); // however many cores here
    workersBox->setValue(workers);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QueuedSpy<QList<qint64>> started(window.waiter(), &Waiter::workersStarted);

    click(&window, "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(&window), TaskTimeout);
    QVERIFY2(status(&window).startsWith(QLatin1String("Done")), qPrintable(status(&window)));
    QCOMPARE(pidsOf(started).size(), workers);
    const QString shown = widget<QLabel>(&window, "resultLabel")->text();
    QCOMPARE(trialsIn(shown), QStringLiteral("3000000"));
    QVERIFY2(std::abs(estimateIn(shown).toDouble() - std::exp(1.0)) < 0.01, qPrintable(shown));
    if (workers == 1) {
        const AppRun run = runApp(QStringLiteral("--worker --trials 3000000 --seed 7").split(u' '));
        QCOMPARE(run.exitCode, int(Worker::ExitOk));
        QCOMPARE(estimateIn(shown), estimateIn(run.out.value(0)));
    }
}

TESTSUPPORT_MAIN(tst_DemoTask)
#include "tst_demotask.moc"
