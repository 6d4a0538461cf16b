// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The window, driven as a user drives it: simulated clicks on the real buttons, the real waiter
// thread, and the real app binary as the worker process.

#include "demotask.h"
#include "expected.h"
#include "mainwindow.h"
#include "testsupport.h"
#include "windowdriver.h"

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <memory>

using namespace WindowDriver;

namespace {
constexpr int TaskTimeout = 30000; // generous: sanitizer builds are slow

// Test-only mode of this binary: a host app with its window and a task running, for the test of
// what happens when the app is killed. It prints its worker's pid once the worker runs.
int runHost(int argc, char *argv[])
{
    QApplication app(argc, argv);
    MainWindow window(DemoTask::endless());
    window.setWorkerProgram(QStringLiteral(WORKER_PROGRAM));
    window.show();
    click(&window, "startButton");
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &window, [&] {
        if (!workerPids(&window).isEmpty() && poll.isActive()) {
            poll.stop();
            QTextStream(stdout) << "pid " << workerPids(&window).constFirst() << Qt::endl;
        }
    });
    poll.start(10);
    return app.exec();
}
} // namespace

class tst_MainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void startShowsTheTasksResult();
    void clickMeCountsWhileATaskRuns();
    void progressBarMovesDuringATask();
    void cancelEndsAHangingWorker();
    void failureShowsItsMessageAndNextStartWorks_data();
    void failureShowsItsMessageAndNextStartWorks();
    void quitWhileRunningEndsTheWorker();
    void workerOfAKilledAppExitsByItself();
    void nextStartRemovesFilesOfAKilledApp();
    void workerModeRunsAloneInATerminal();
    void workerModeRejectsBadOptions_data();
    void workerModeRejectsBadOptions();

private:
    void waitUntilIdle(QWidget *window);
    void verifyNoTempFiles();
    void verifyShowsResultOf(QWidget *window, const TaskInput &input);

    QTemporaryDir m_temp;
};

void tst_MainWindow::initTestCase()
{
    // A TMPDIR of our own, inherited by the workers, so that "nothing left behind" can be checked.
    QVERIFY(m_temp.isValid());
    qputenv("TMPDIR", QFile::encodeName(m_temp.path()));
    QCOMPARE(QDir::tempPath(), m_temp.path());
}

void tst_MainWindow::waitUntilIdle(QWidget *window)
{
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window), TaskTimeout);
}

void tst_MainWindow::verifyNoTempFiles()
{
    QTRY_VERIFY2(filesIn(m_temp.path()).isEmpty(),
                 qPrintable(filesIn(m_temp.path()).join(QLatin1String(", "))));
}

// The window shows exactly what the task computes for the same input here in the test, and that
// is right (for the demo: an estimate within 0.01 of e).
void tst_MainWindow::verifyShowsResultOf(QWidget *window, const TaskInput &input)
{
    const TaskResult expected = expectedResult(input);
    QString why;
    QVERIFY2(DemoTask::isPlausible(expected, &why), qPrintable(why));
    QCOMPARE(text(window, "resultLabel"), Task::describe(expected));
}

void tst_MainWindow::startShowsTheTasksResult()
{
    auto window = newWindow(DemoTask::quick());
    click(window.get(), "startButton");
    QVERIFY(!widget<QPushButton>(window.get(), "startButton")->isEnabled());
    waitUntilIdle(window.get());

    QCOMPARE(text(window.get(), "statusLabel"), QStringLiteral("Done."));
    verifyShowsResultOf(window.get(), DemoTask::quick());
    auto bar = widget<QProgressBar>(window.get(), "progressBar");
    QCOMPARE(bar->value(), bar->maximum());
    QCOMPARE(workerPids(window.get()).size(), 1);
    QTRY_VERIFY(!processExists(
            workerPids(window.get()).constFirst())); // it frees its lock just before it exits
    verifyNoTempFiles();
}

void tst_MainWindow::clickMeCountsWhileATaskRuns()
{
    auto window = newWindow(DemoTask::endless());
    click(window.get(), "startButton");
    QTRY_VERIFY(!workerPids(window.get()).isEmpty());
    for (int clicks = 1; clicks <= 5; ++clicks) {
        click(window.get(), "clickButton");
        // At once: the click is handled while the task runs, not queued behind it.
        QCOMPARE(text(window.get(), "clicksLabel"), QStringLiteral("Clicks: %1").arg(clicks));
    }
    QVERIFY(!widget<QPushButton>(window.get(), "startButton")->isEnabled());
    click(window.get(), "cancelButton");
    waitUntilIdle(window.get());
    verifyNoTempFiles();
}

void tst_MainWindow::progressBarMovesDuringATask()
{
    auto window = newWindow(DemoTask::slow());
    auto bar = widget<QProgressBar>(window.get(), "progressBar");
    QSignalSpy moves(bar, &QProgressBar::valueChanged);
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(moves.count() >= 5, TaskTimeout);
    QVERIFY(!widget<QPushButton>(window.get(), "startButton")->isEnabled()); // still running
    click(window.get(), "cancelButton");
    waitUntilIdle(window.get());
}

void tst_MainWindow::cancelEndsAHangingWorker()
{
    auto window = newWindow(DemoTask::quick());
    widget<QComboBox>(window.get(), "failureBox")->setCurrentIndex(int(Failure::Hang));
    click(window.get(), "startButton");
    // The worker hangs halfway, in a call that checks no flag.
    QTRY_VERIFY_WITH_TIMEOUT(widget<QProgressBar>(window.get(), "progressBar")->value() >= 500,
                             TaskTimeout);
    const qint64 pid = workerPids(window.get()).constFirst();
    QVERIFY(processExists(pid));

    click(window.get(), "cancelButton");
    QTRY_COMPARE(text(window.get(), "statusLabel"), QStringLiteral("Cancelled."));
    QTRY_VERIFY(!processExists(pid)); // it frees its lock just before it exits
    QVERIFY(widget<QPushButton>(window.get(), "startButton")->isEnabled());
    verifyNoTempFiles();
}

void tst_MainWindow::failureShowsItsMessageAndNextStartWorks_data()
{
    QTest::addColumn<int>("failure");
    QTest::addColumn<QString>("message");

    QTest::newRow("exception")
            << int(Failure::Exception)
            << QStringLiteral("The task failed in the worker (pid %1): simulated failure: the "
                              "task threw an exception halfway");
    QTest::newRow("crash")
            << int(Failure::Crash)
            << QStringLiteral("The worker (pid %1) stopped without writing a result: it crashed, "
                              "aborted, exited early or was killed. Its log ends with: ");
    QTest::newRow("abort") << int(Failure::Abort)
                           << QStringLiteral(
                                      "The worker (pid %1) stopped without writing a result");
    QTest::newRow("exit") << int(Failure::Exit)
                          << QStringLiteral("The worker (pid %1) stopped without writing a result");
}

void tst_MainWindow::failureShowsItsMessageAndNextStartWorks()
{
    QFETCH(int, failure);
    QFETCH(QString, message);

    auto window = newWindow(DemoTask::quick());
    widget<QComboBox>(window.get(), "failureBox")->setCurrentIndex(failure);
    click(window.get(), "startButton");
    waitUntilIdle(window.get());
    const qint64 pid = workerPids(window.get()).constFirst();
    const QString status = text(window.get(), "statusLabel");
    QVERIFY2(status.startsWith(message.arg(pid)), qPrintable(status));
    QVERIFY2(status.contains(QLatin1String("simulated failure")),
             qPrintable(status)); // the worker's own words
    QVERIFY(text(window.get(), "resultLabel").isEmpty());
    QTRY_VERIFY(!processExists(pid)); // it frees its lock just before it exits
    verifyNoTempFiles();

    widget<QComboBox>(window.get(), "failureBox")->setCurrentIndex(int(Failure::None));
    click(window.get(), "startButton");
    waitUntilIdle(window.get());
    QCOMPARE(text(window.get(), "statusLabel"), QStringLiteral("Done."));
    verifyShowsResultOf(window.get(), DemoTask::quick());
    verifyNoTempFiles();
}

void tst_MainWindow::quitWhileRunningEndsTheWorker()
{
    auto window = newWindow(DemoTask::endless());
    click(window.get(), "startButton");
    QTRY_VERIFY(!workerPids(window.get()).isEmpty());
    const qint64 pid = workerPids(window.get()).constFirst();
    QVERIFY(processExists(pid));

    click(window.get(), "quitButton");
    QVERIFY(!window->isVisible());
    QTRY_VERIFY(!processExists(pid)); // the window still exists: closing it was enough
    window.reset();
    verifyNoTempFiles();
}

void tst_MainWindow::workerOfAKilledAppExitsByItself()
{
    // The host's XDG runtime folder must not land in the TMPDIR whose emptiness we check.
    QTemporaryDir runtime(QFileInfo(m_temp.path()).absolutePath()
                          + QLatin1String("/runtime-XXXXXX"));
    QProcess host;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime.path());
    host.setProcessEnvironment(environment);
    host.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    host.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--host")});
    QVERIFY(host.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(host.canReadLine(), TaskTimeout);
    const QByteArray line = host.readLine().trimmed();
    QVERIFY2(line.startsWith("pid "), line.constData());
    const qint64 pid = line.mid(4).toLongLong();
    QVERIFY(processExists(pid));

    host.kill(); // SIGKILL: the app gets no chance to clean up
    QVERIFY(host.waitForFinished());
    QTRY_VERIFY(!processExists(pid));
    verifyNoTempFiles(); // the worker cleaned up after its dead app
}

void tst_MainWindow::nextStartRemovesFilesOfAKilledApp()
{
    // A dead app's folder: its host.lock is held by a process that is then killed. (Any holder
    // will do: a worker holds OUTPUT.lock for its whole life.)
    const QString folder = m_temp.filePath(QStringLiteral(APP_NAME "-dead01"));
    QVERIFY(QDir().mkpath(folder));
    QProcess holder;
    holder.start(QStringLiteral(WORKER_PROGRAM),
                 {QStringLiteral("--worker"), QStringLiteral("--fail"), QStringLiteral("hang"),
                  QStringLiteral("--output"), folder + QLatin1String("/host")});
    QVERIFY(holder.waitForStarted());
    QTRY_VERIFY(QFileInfo::exists(folder + QLatin1String("/host.lock")));
    holder.kill();
    QVERIFY(holder.waitForFinished());
    QVERIFY(QFile::copy(QStringLiteral(WORKER_PROGRAM),
                        folder + QLatin1String("/worker-1.result.log")));

    // A live app's folder, whose host.lock we hold ourselves: it must survive.
    const QString live = m_temp.filePath(QStringLiteral(APP_NAME "-live01"));
    QVERIFY(QDir().mkpath(live));
    QLockFile liveLock(live + QLatin1String("/host.lock"));
    QVERIFY(liveLock.tryLock(0));

    auto window = newWindow(DemoTask::quick());
    click(window.get(), "startButton");
    waitUntilIdle(window.get());
    QCOMPARE(text(window.get(), "statusLabel"), QStringLiteral("Done."));
    QVERIFY(!QFileInfo::exists(folder));
    QVERIFY(QFileInfo::exists(live + QLatin1String("/host.lock")));
    liveLock.unlock();
    QVERIFY(QDir(live).removeRecursively());
    verifyNoTempFiles();
}

void tst_MainWindow::workerModeRunsAloneInATerminal()
{
    // What a user sees who runs the task alone: its result on the first line of stdout, exactly
    // what the task gives for that input.
    const TaskInput input = DemoTask::quick();
    QByteArray output;
    QCOMPARE(runWorker(Task::toArguments(input), &output), int(ExitOk));
    const QString firstLine = QString::fromUtf8(output.left(output.indexOf('\n')));
    QCOMPARE(firstLine, Task::describe(expectedResult(input)));
}

void tst_MainWindow::workerModeRejectsBadOptions_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("reason");
    QTest::newRow("unknown option") << QStringList {QStringLiteral("--frobnicate")}
                                    << QStringLiteral("Unknown option 'frobnicate'.");
    QTest::newRow("bad task input") << DemoTask::badInputArguments() << DemoTask::badInputReason();
    QTest::newRow("bad failure")
            << QStringList {QStringLiteral("--fail"), QStringLiteral("sometimes")}
            << QStringLiteral("--fail takes none, exception, crash, abort, exit or hang");
}

void tst_MainWindow::workerModeRejectsBadOptions()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, reason);
    QByteArray errors;
    QCOMPARE(runWorker(arguments, nullptr, &errors), int(ExitUsage));
    QVERIFY2(QString::fromUtf8(errors).contains(reason), errors.constData());
    QCOMPARE(errors.trimmed().count('\n'), 0); // one line
}

int main(int argc, char *argv[])
{
    if (argc > 1 && qstrcmp(argv[1], "--host") == 0)
        return runHost(argc, argv);
    QApplication app(argc, argv);
    tst_MainWindow test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_mainwindow.moc"
