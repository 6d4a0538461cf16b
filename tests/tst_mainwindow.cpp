// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The window, driven as a user drives it: simulated clicks on its real buttons, the real waiter
// thread, and the test worker program (the product's real worker machinery) as its workers.

#include "testsupport.h"

#include <QAccessible>
#include <QAction>
#include <QApplication>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QProgressBar>
#include <QTemporaryDir>
#include <QtTest>

class tst_MainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void startRunsAWorkerAndShowsItsResult();
    void progressBarMovesWhileTheTaskRuns();
    void clickMeCountsWhileATaskRuns();
    void cancelEndsAWorkerThatChecksNoFlag();
    void quitWhileRunningEndsTheWorker();
    void menusHaveQuitAndAbout();
    void screenReaderHearsTheValues();
    void valueLabelsShowPlainText();
    void workerRunsAloneWithoutTheApp();
    void commandLineErrorsAreOneLine_data();
    void commandLineErrorsAreOneLine();
    void qtOptionsOpenTheWindow_data();
    void qtOptionsOpenTheWindow();
    void progressTextIsShownAndRead();
    void workerInATerminalPrintsProgress();

private:
    void verifyNothingLeft(const QList<qint64> &pids);

    QTemporaryDir m_temp; // the app's TMPDIR, inherited by its workers
};

void tst_MainWindow::initTestCase()
{
    QVERIFY(m_temp.isValid());
    qputenv("TMPDIR", QFile::encodeName(m_temp.path()));
    QCOMPARE(QDir::tempPath(), m_temp.path());
}

void tst_MainWindow::cleanup()
{
    QVERIFY2(filesIn(m_temp.path()).isEmpty(), qPrintable(filesIn(m_temp.path()).join(u' ')));
}

void tst_MainWindow::verifyNothingLeft(const QList<qint64> &pids)
{
    QTRY_VERIFY_WITH_TIMEOUT(!anyProcessExists(pids), SettleTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(filesIn(m_temp.path()).isEmpty(), SettleTimeout);
}

void tst_MainWindow::startRunsAWorkerAndShowsItsResult()
{
    auto window = newWindow();
    WaiterLog log(waiterOf(window.get()));
    click(window.get(), "startButton");
    QVERIFY(!isIdle(window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);

    QCOMPARE(status(window.get()), QStringLiteral("Done."));
    QCOMPARE(log.succeeded, QList<QList<QByteArray>> {{defaultResultBytes()}});
    QVERIFY2(text(window.get(), "timeLabel").endsWith(QLatin1String(" s")),
             qPrintable(text(window.get(), "timeLabel")));
    auto bar = widget<QProgressBar>(window.get(), "progressBar");
    QCOMPARE(bar->value(), bar->maximum());
    QCOMPARE(workerPids(window.get()).size(), 1);
    verifyNothingLeft(workerPids(window.get()));
}

void tst_MainWindow::progressBarMovesWhileTheTaskRuns()
{
    ScopedEnv millis("TESTWORKER_MILLIS", "3000");
    auto window = newWindow();
    auto bar = widget<QProgressBar>(window.get(), "progressBar");
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(bar->value() > 0 && bar->value() < bar->maximum(), TaskTimeout);
    QVERIFY(!isIdle(window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(status(window.get()), QStringLiteral("Done."));
    QCOMPARE(bar->value(), bar->maximum());
}

void tst_MainWindow::clickMeCountsWhileATaskRuns()
{
    ScopedEnv mode("TESTWORKER_MODE", "hang");
    auto window = newWindow();
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(!workerPids(window.get()).isEmpty(), TaskTimeout);
    for (int i = 0; i < 5; ++i)
        click(window.get(), "clickButton");
    QCOMPARE(text(window.get(), "clicksLabel"), QStringLiteral("Clicks: 5"));
    QVERIFY(!isIdle(window.get()));
    click(window.get(), "cancelButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    verifyNothingLeft(workerPids(window.get()));
}

void tst_MainWindow::cancelEndsAWorkerThatChecksNoFlag()
{
    ScopedEnv mode("TESTWORKER_MODE", "hang");
    auto window = newWindow();
    click(window.get(), "startButton");
    // Halfway the job blocks for good: its progress stops at one half.
    auto bar = widget<QProgressBar>(window.get(), "progressBar");
    QTRY_VERIFY_WITH_TIMEOUT(bar->value() > 0, TaskTimeout);
    const QList<qint64> pids = workerPids(window.get());
    QCOMPARE(pids.size(), 1);
    QVERIFY(processExists(pids.first()));
    click(window.get(), "cancelButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(status(window.get()), QStringLiteral("Cancelled."));
    verifyNothingLeft(pids);
}

void tst_MainWindow::quitWhileRunningEndsTheWorker()
{
    ScopedEnv mode("TESTWORKER_MODE", "hang");
    auto window = newWindow();
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(!workerPids(window.get()).isEmpty(), TaskTimeout);
    const QList<qint64> pids = workerPids(window.get());
    QVERIFY(processExists(pids.first()));
    click(window.get(), "quitButton");
    QVERIFY(!window->isVisible());
    window.reset(); // as main() does when its event loop ends
    verifyNothingLeft(pids);
}

void tst_MainWindow::menusHaveQuitAndAbout()
{
    auto window = newWindow();
    QAction *quit = nullptr;
    QAction *about = nullptr;
    for (QAction *menu : window->menuBar()->actions()) {
        for (QAction *action : menu->menu()->actions()) {
            if (action->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_Q))
                quit = action;
            if (action->text() == QLatin1String("&About"))
                about = action;
        }
    }
    QVERIFY2(quit, "no action with the shortcut Ctrl+Q");
    QVERIFY2(about, "no About action");

    QString aboutText;
    QTimer closer; // the About box is modal: it is read and closed from its own event loop
    connect(&closer, &QTimer::timeout, this, [&] {
        for (QWidget *top : QApplication::topLevelWidgets()) {
            auto box = qobject_cast<QMessageBox *>(top);
            if (box && box->isVisible()) {
                aboutText = box->text();
                box->accept();
            }
        }
    });
    closer.start(10);
    about->trigger(); // returns once the timer above has closed the box
    QVERIFY2(aboutText.contains(QCoreApplication::applicationName()), qPrintable(aboutText));
    QVERIFY2(aboutText.contains(QCoreApplication::applicationVersion()), qPrintable(aboutText));

    quit->trigger();
    QVERIFY(!window->isVisible());
}

// A screen reader reads a value label by its current text: no fixed accessible name hides it.
void tst_MainWindow::screenReaderHearsTheValues()
{
    auto window = newWindow();
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QStringList heard;
    for (QLabel *label : window->findChildren<QLabel *>()) {
        if (label->objectName().isEmpty() || label->text().isEmpty())
            continue; // a form's caption, or an empty value
        QAccessibleInterface *accessible = QAccessible::queryAccessibleInterface(label);
        QVERIFY(accessible);
        QCOMPARE(accessible->text(QAccessible::Name), label->text());
        heard << label->objectName();
    }
    // The task's result label is checked by its own test (tst_demotask).
    for (const char *name : {"statusLabel", "timeLabel", "pidsLabel", "clicksLabel"})
        QVERIFY2(heard.contains(QLatin1String(name)), qPrintable(heard.join(u' ')));
    QAccessibleInterface *statusText =
            QAccessible::queryAccessibleInterface(widget<QLabel>(window.get(), "statusLabel"));
    QCOMPARE(statusText->text(QAccessible::Name), QStringLiteral("Done."));
}

// Data may hold markup (a path, an exception's message): value labels never render it. (The
// task's own labels, which may show a picture, are its own test's.)
void tst_MainWindow::valueLabelsShowPlainText()
{
    auto window = newWindow();
    for (const char *name :
         {"statusLabel", "timeLabel", "pidsLabel", "clicksLabel", "progressLabel"})
        QVERIFY2(widget<QLabel>(window.get(), name)->textFormat() == Qt::PlainText, name);
}

// `--worker` without the app's files: the way to run the task alone in a terminal or debugger.
void tst_MainWindow::workerRunsAloneWithoutTheApp()
{
    QProcess worker;
    worker.start(QStringLiteral(TEST_WORKER), {QStringLiteral("--worker")});
    QVERIFY(worker.waitForFinished(TaskTimeout));
    QCOMPARE(worker.exitStatus(), QProcess::NormalExit);
    QCOMPARE(worker.exitCode(), int(Worker::ExitOk));
    QVERIFY2(filesIn(m_temp.path()).isEmpty(), "a worker run alone made files");
}

void tst_MainWindow::commandLineErrorsAreOneLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("error");
    QTest::newRow("unknown option")
            << QStringList {QStringLiteral("--bogus")} << QStringLiteral("Unknown option 'bogus'.");
    QTest::newRow("argument") << QStringList {QStringLiteral("extra")}
                              << QStringLiteral("unexpected argument 'extra'");
    QTest::newRow("--result without --worker")
            << QStringList {QStringLiteral("--result"), QStringLiteral("x")}
            << QStringLiteral("--result only works with --worker");
    QTest::newRow("--token without --worker")
            << QStringList {QStringLiteral("--token"), QStringLiteral("x")}
            << QStringLiteral("--token only works with --worker");
    QTest::newRow("--input without --worker")
            << QStringList {QStringLiteral("--input"), QStringLiteral("x")}
            << QStringLiteral("--input only works with --worker");
    QTest::newRow("--keep-input with --worker")
            << QStringList {QStringLiteral("--worker"), QStringLiteral("--keep-input"),
                            QStringLiteral("x")}
            << QStringLiteral("--keep-input only works without --worker");
}

// Needs no display: the app decides before it makes its QApplication. Only the app's own line
// counts; Qt may add diagnostics of its own (such as a warning about the C locale).
void tst_MainWindow::commandLineErrorsAreOneLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, error);
    QProcess app;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("QT_QPA_PLATFORM"));
    environment.remove(QStringLiteral("DISPLAY"));
    app.setProcessEnvironment(environment);
    app.start(QStringLiteral(APP_PROGRAM), arguments);
    QVERIFY(app.waitForFinished(TaskTimeout));
    QCOMPARE(app.exitStatus(), QProcess::NormalExit);
    QCOMPARE(app.exitCode(), int(Worker::ExitUsage));
    QStringList ours;
    const QString prefix = QStringLiteral(APP_NAME ": ");
    for (const QString &line : QString::fromLocal8Bit(app.readAllStandardError()).split(u'\n')) {
        if (line.startsWith(prefix))
            ours << line.mid(prefix.size());
    }
    QCOMPARE(ours, QStringList {error});
    QVERIFY(app.readAllStandardOutput().isEmpty());
}

void tst_MainWindow::qtOptionsOpenTheWindow_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("-platform") << QStringList {QStringLiteral("-platform"),
                                               QStringLiteral("offscreen")};
    QTest::newRow("-style") << QStringList {QStringLiteral("-style"), QStringLiteral("Fusion")};
    QTest::newRow("-reverse -qwindowgeometry")
            << QStringList {QStringLiteral("-reverse"), QStringLiteral("-qwindowgeometry"),
                            QStringLiteral("400x300+10+10")};
}

// Qt's own options are the window's: it opens, and stays open until it is told to quit.
void tst_MainWindow::qtOptionsOpenTheWindow()
{
    QFETCH(QStringList, arguments);
    QProcess app;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    const QTemporaryDir runtime; // Qt makes one when XDG_RUNTIME_DIR is not set: not in TMPDIR
    environment.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime.path());
    app.setProcessEnvironment(environment);
    app.start(QStringLiteral(APP_PROGRAM), arguments);
    QVERIFY(app.waitForStarted(TaskTimeout));
    // An option that the app did not take would end it at once, with an error.
    QVERIFY2(!app.waitForFinished(3000), app.readAllStandardError().constData());
    app.kill();
    QVERIFY(app.waitForFinished(TaskTimeout));
}

// A task's words about its progress are shown under the bar, and read as they are.
void tst_MainWindow::progressTextIsShownAndRead()
{
    const QString words = QStringLiteral("pass 2 of 3: sorting <b>x</b>");
    ScopedEnv words8("TESTWORKER_TEXT", words.toUtf8());
    ScopedEnv mode("TESTWORKER_MODE", "hang");
    auto window = newWindow();
    click(window.get(), "startButton");
    QTRY_COMPARE_WITH_TIMEOUT(text(window.get(), "progressLabel"), words, TaskTimeout);
    auto label = widget<QLabel>(window.get(), "progressLabel");
    QCOMPARE(QAccessible::queryAccessibleInterface(label)->text(QAccessible::Name), words);
    const QList<qint64> pids = workerPids(window.get());
    click(window.get(), "cancelButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    verifyNothingLeft(pids);
}

// `--worker` alone prints its progress on stderr as it goes (plain lines, not being a terminal),
// and its summary on stdout.
void tst_MainWindow::workerInATerminalPrintsProgress()
{
    ScopedEnv millis("TESTWORKER_MILLIS", "1500");
    ScopedEnv text("TESTWORKER_TEXT", "counting");
    QProcess worker;
    worker.start(QStringLiteral(TEST_WORKER), {QStringLiteral("--worker")});
    QVERIFY(worker.waitForFinished(TaskTimeout));
    QCOMPARE(worker.exitCode(), int(Worker::ExitOk));
    const QStringList lines = QString::fromLocal8Bit(worker.readAllStandardError())
                                      .split(u'\n', Qt::SkipEmptyParts)
                                      .filter(QStringLiteral(": counting"));
    QVERIFY2(lines.size() >= 3, qPrintable(lines.join(u'|'))); // a few times a second
    QVERIFY2(lines.constLast().startsWith(QLatin1String("100% ")), qPrintable(lines.constLast()));
    QCOMPARE(QString::fromUtf8(worker.readAllStandardOutput()).trimmed(),
             QStringLiteral("testworker: done in mode ok, input of 0 bytes"));
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
