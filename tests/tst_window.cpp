// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The window's promises, pressed as a user presses them: it never freezes while a task runs (its
// GUI thread only shows what the waiter thread made), progress reaches it at most about 20 times a
// second, Cancel and Quit end every worker, even one that never checks a flag, and it takes Qt's
// own options and refuses a bad one in one sentence.

#include "testsupport.h"

#include <QProcess>
#include <QProgressBar>

class tst_Window : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void startShowsTheResultAndTheTime();
    void windowAnswersWhileATaskRuns();
    void progressReachesTheWindowAtMostTwentyTimesASecond();
    void cancelEndsEveryWorkerEvenOneThatNeverChecks();
    void quitEndsEveryWorkerEvenOneThatNeverChecks();
    void messageOfAnyLengthIsOneSentenceThatFits();
    void qtOptionsAreTakenAndABadOptionIsOneSentence_data();
    void qtOptionsAreTakenAndABadOptionIsOneSentence();

private:
    QList<qint64> startHungTask(MainWindow *window, int workers);

    TempFolder m_temp;
    QList<qint64> m_pids;
};

void tst_Window::initTestCase()
{
    QCoreApplication::setApplicationName(QStringLiteral(APP_NAME));
}

void tst_Window::cleanup()
{
    QTRY_VERIFY_WITH_TIMEOUT(!anyProcessExists(m_pids), TaskTimeout);
    QVERIFY2(m_temp.entries().isEmpty(), qPrintable(m_temp.entries().join(u' ')));
    m_pids.clear();
}

void tst_Window::startShowsTheResultAndTheTime()
{
    auto window = newWindow("twelve bytes");
    QueuedSpy<QVariant, double> succeeded(window->waiter(), &Waiter::succeeded);
    click(window.get(), "startButton");
    QVERIFY(!isIdle(window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QVERIFY2(status(window.get()).startsWith(QLatin1String("Done in ")),
             qPrintable(status(window.get())));
    QCOMPARE(succeeded.size(), 1);
    QCOMPARE(succeeded.constFirst().constFirst().toStringList().value(0).section(u' ', 1, 1),
             QStringLiteral("12"));
    QVERIFY(succeeded.constFirst().constLast().toDouble() > 0);
}

// The GUI thread takes clicks while a task runs, and none of the job's work runs on it.
void tst_Window::windowAnswersWhileATaskRuns()
{
    auto window = newWindow(QByteArray(8 << 20, 'x'), 2);
    const WorkerMode slow("ok", {{"TESTWORKER_MILLIS", "1500"}});
    TestJob::ranOnGuiThread = false;
    QueuedSpy<QList<qint64>> started(window->waiter(), &Waiter::workersStarted);
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty(), TaskTimeout);
    m_pids = pidsOf(started);
    for (int i = 0; i < 3; ++i)
        click(window.get(), "clickButton");
    QCOMPARE(widget<QLabel>(window.get(), "clicksLabel")->text(), QStringLiteral("Clicks: 3"));
    QVERIFY(!isIdle(window.get())); // the clicks came while the task ran
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QVERIFY2(status(window.get()).startsWith(QLatin1String("Done")),
             qPrintable(status(window.get())));
    QVERIFY(!TestJob::ranOnGuiThread);
}

void tst_Window::progressReachesTheWindowAtMostTwentyTimesASecond()
{
    auto window = newWindow();
    const WorkerMode steps("ok", {{"TESTWORKER_MILLIS", "2000"}, {"TESTWORKER_TEXT", "step text"}});
    QueuedSpy<qint64, qint64, QString> progress(window->waiter(), &Waiter::progressChanged);
    QueuedSpy<QVariant, double> succeeded(window->waiter(), &Waiter::succeeded);
    QElapsedTimer clock;
    clock.start();
    click(window.get(), "startButton");
    QTRY_COMPARE_WITH_TIMEOUT(widget<QLabel>(window.get(), "progressLabel")->text(),
                              QStringLiteral("step text"), TaskTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(widget<QProgressBar>(window.get(), "progressBar")->value() > 0,
                             TaskTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(succeeded.size(), 1);
    const double seconds = double(clock.elapsed()) / 1000;
    QVERIFY2(progress.size() >= 2 && progress.size() <= 20 * seconds + 2,
             qPrintable(QStringLiteral("%1 signals in %2 s").arg(progress.size()).arg(seconds)));
    QVERIFY(!widget<QProgressBar>(window.get(), "progressBar")->accessibleName().isEmpty());
}

QList<qint64> tst_Window::startHungTask(MainWindow *window, int workers)
{
    widget<QSpinBox>(window, "workersBox")->setValue(workers);
    const WorkerMode hang("hang");
    QueuedSpy<QList<qint64>> started(window->waiter(), &Waiter::workersStarted);
    QueuedSpy<qint64, qint64, QString> progress(window->waiter(), &Waiter::progressChanged);
    click(window, "startButton");
    // Every worker runs (it holds its lock and reports progress) before the test goes on.
    const bool running = QTest::qWaitFor(
            [&] {
                return !progress.isEmpty()
                        && progress.constLast().at(1).toLongLong() == 20 * workers;
            },
            TaskTimeout);
    m_pids = pidsOf(started);
    return running ? m_pids : QList<qint64>();
}

void tst_Window::cancelEndsEveryWorkerEvenOneThatNeverChecks()
{
    auto window = newWindow("input", 2);
    const QList<qint64> pids = startHungTask(window.get(), qMin(2, QThread::idealThreadCount()));
    QVERIFY(!pids.isEmpty() && anyProcessExists(pids));
    click(window.get(), "cancelButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(status(window.get()), QStringLiteral("Cancelled."));
    QVERIFY(!anyProcessExists(pids)); // they ended before the window was told
}

void tst_Window::quitEndsEveryWorkerEvenOneThatNeverChecks()
{
    auto window = newWindow("input", 2);
    const QList<qint64> pids = startHungTask(window.get(), qMin(2, QThread::idealThreadCount()));
    QVERIFY(!pids.isEmpty() && anyProcessExists(pids));
    click(window.get(), "quitButton");
    QTRY_VERIFY(!window->isVisible());
    window.reset(); // as main() returns: the waiter's destructor waits for the workers' end
    QVERIFY(!anyProcessExists(pids));
}

// A task's message of 20,000 characters over many lines: one sentence, and the window keeps its
// size.
void tst_Window::messageOfAnyLengthIsOneSentenceThatFits()
{
    auto window = newWindow();
    const QSize size = window->size();
    const QByteArray message = QByteArray("a line of a long message.\n").repeated(800);
    const WorkerMode longThrow("throw", {{"TESTWORKER_TEXT", message}});
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    const QString shown = status(window.get());
    QVERIFY2(shown.startsWith(QLatin1String("Worker 1")) && shown.size() > 20000,
             qPrintable(shown.left(200)));
    QVERIFY(!shown.contains(u'\n'));
    QCOMPARE(widget<QLabel>(window.get(), "statusLabel")->toolTip(), shown);
    QCOMPARE(window->size(), size);
}

void tst_Window::qtOptionsAreTakenAndABadOptionIsOneSentence_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("output");
    const QStringList qt = {QStringLiteral("-platform"), QStringLiteral("offscreen"),
                            QStringLiteral("-style"), QStringLiteral("Fusion")};
    QTest::newRow("Qt's options") << qt + QStringList {QStringLiteral("--version")} << 0
                                  << APP_VERSION;
    QTest::newRow("unknown") << qt + QStringList {QStringLiteral("--bogus")} << 1 << "bogus";
    QTest::newRow("worker only") << qt
                    + QStringList {QStringLiteral("--input"), QStringLiteral("x")}
                                 << 1 << "--input only works with --worker";
    QTest::newRow("argument") << qt + QStringList {QStringLiteral("stray")} << 1
                              << "unexpected argument 'stray'";
}

void tst_Window::qtOptionsAreTakenAndABadOptionIsOneSentence()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, output);
    QProcess app;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    const QTemporaryDir runtime(m_temp.path()
                                + QStringLiteral("/../runtime-XXXXXX")); // Qt's, not ours
    environment.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime.path());
    app.setProcessEnvironment(environment);
    app.start(QStringLiteral(APP_PROGRAM), arguments);
    QTRY_COMPARE_WITH_TIMEOUT(app.state(), QProcess::NotRunning, TaskTimeout);
    const QString printed = QString::fromLocal8Bit(exitCode ? app.readAllStandardError()
                                                            : app.readAllStandardOutput())
                                    .trimmed();
    QCOMPARE(app.exitStatus(), QProcess::NormalExit);
    QCOMPARE(app.exitCode(), exitCode);
    QVERIFY2(printed.contains(output) && !printed.contains(u'\n'), qPrintable(printed));
}

TESTSUPPORT_MAIN(tst_Window)
#include "tst_window.moc"
