// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// Takes the README's pictures of the real window:
//   screenshot RUNNING.png CRASH.png
// RUNNING.png shows a task under way, CRASH.png the message after its worker crashed. The workers
// are the test worker (tests/testworker), the product's real worker machinery with a job of its
// own, so that the pictures need no valid input of the task and work for any task: the window
// shows the task's widgets as they start. Run it on the offscreen platform (the `screenshots`
// target does); a grab needs no display.

#include "testsupport.h"

#include <QApplication>
#include <QProgressBar>
#include <QSize>
#include <QTextStream>

namespace {
constexpr int Timeout = 120000; // ms: a debug build on a busy machine is slow
constexpr QSize WindowSize(560, 400);

bool fail(const QString &why)
{
    QTextStream(stderr) << "screenshot: " << why << Qt::endl;
    return false;
}

// Grabs the window once its labels have laid out their new text, and only if the status bar shows
// its message whole: a picture of a cut sentence is no picture of the window.
bool save(QWidget *window, const QString &path)
{
    QCoreApplication::processEvents();
    const auto label = widget<QLabel>(window, "statusLabel");
    if (label->height() < label->heightForWidth(label->width()))
        return fail(QStringLiteral("the status bar cuts its message (%1 of %2 px): %3")
                            .arg(label->height())
                            .arg(label->heightForWidth(label->width()))
                            .arg(label->text()));
    return window->grab().save(path) || fail(QStringLiteral("cannot write %1").arg(path));
}

// A task under way: the bar partly full, its text under it, and "Click me" answered while it runs.
bool takeRunning(const QString &path)
{
    const WorkerMode mode("ok", {{"TESTWORKER_MILLIS", "10000"}, {"TESTWORKER_TEXT", "working"}});
    auto window = newWindow();
    window->resize(WindowSize);
    auto bar = widget<QProgressBar>(window.get(), "progressBar");
    click(window.get(), "startButton");
    for (int i = 0; i < 3; ++i)
        click(window.get(), "clickButton");
    if (!QTest::qWaitFor([bar] { return bar->value() >= bar->maximum() * 4 / 10; }, Timeout))
        return fail(QStringLiteral("the progress bar did not move: %1").arg(status(window.get())));
    return save(window.get(), path); // closing the window ends the worker
}

// A worker that crashed halfway, and the one sentence the window gives in its status bar.
bool takeCrash(const QString &path)
{
    const WorkerMode mode("crash", {{"TESTWORKER_MILLIS", "1000"}});
    auto window = newWindow();
    window->resize(WindowSize);
    QueuedSpy<QString> failed(window->waiter(), &Waiter::failed);
    click(window.get(), "startButton");
    if (!QTest::qWaitFor([&window] { return isIdle(window.get()); }, Timeout))
        return fail(QStringLiteral("the crashing task did not end"));
    const QString message = status(window.get());
    if (failed.count() != 1 || !message.contains(QLatin1String("crash")) || !message.endsWith(u'.')
        || message.contains(u'\n'))
        return fail(QStringLiteral("the crash is not one sentence: %1").arg(message));
    return save(window.get(), path);
}
} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral(APP_NAME));
    QCoreApplication::setApplicationVersion(QStringLiteral(APP_VERSION));
    const QStringList arguments = QCoreApplication::arguments();
    if (arguments.size() != 3) {
        fail(QStringLiteral("usage: screenshot RUNNING.png CRASH.png"));
        return 2;
    }
    return leaveProcess(takeRunning(arguments.at(1)) && takeCrash(arguments.at(2)) ? 0 : 1);
}
