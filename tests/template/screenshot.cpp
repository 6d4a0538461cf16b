// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// Takes the README's pictures of the real window with the real worker binary:
//   screenshot RUNNING.png CRASH.png
// RUNNING.png shows a task under way, CRASH.png the message after a worker crashed. Run it on the
// offscreen platform (the `screenshots` target does); a grab needs no display.

#include "demotask.h"
#include "mainwindow.h"
#include "windowdriver.h"

#include <QAbstractButton>
#include <QApplication>
#include <QComboBox>
#include <QDeadlineTimer>
#include <QProgressBar>
#include <QTextStream>
#include <QThread>

namespace {
constexpr int Timeout = 120000; // ms; a debug build on a busy machine is slow

// Processes events until `done` holds; false on timeout.
template<typename Predicate>
bool waitFor(Predicate done)
{
    const QDeadlineTimer deadline(Timeout);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::msleep(5);
    }
    return true;
}

bool save(QWidget *window, const QString &path)
{
    QCoreApplication::processEvents(); // let the labels lay out their new text
    if (window->grab().save(path))
        return true;
    QTextStream(stderr) << "cannot write " << path << Qt::endl;
    return false;
}
} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral(APP_NAME));
    const QStringList arguments = QCoreApplication::arguments();
    if (arguments.size() != 3) {
        QTextStream(stderr) << "usage: screenshot RUNNING.png CRASH.png" << Qt::endl;
        return 1;
    }

    // A task under way: the bar partly full, and "Click me" answered while it runs.
    {
        MainWindow window(DemoTask::slow());
        window.setWorkerProgram(QStringLiteral(WORKER_PROGRAM));
        window.show();
        auto bar = WindowDriver::widget<QProgressBar>(&window, "progressBar");
        WindowDriver::widget<QAbstractButton>(&window, "startButton")->click();
        for (int i = 0; i < 3; ++i)
            WindowDriver::widget<QAbstractButton>(&window, "clickButton")->click();
        if (!waitFor([bar] { return bar->value() >= bar->maximum() * 4 / 10; })) {
            QTextStream(stderr) << "the progress bar did not move" << Qt::endl;
            return 1;
        }
        if (!save(&window, arguments.at(1)))
            return 1;
        window.close(); // ends the worker
    }

    // A worker that crashed halfway, and the message the window gives.
    {
        MainWindow window(DemoTask::slow()); // long enough for the bar to near the halfway crash
        window.setWorkerProgram(QStringLiteral(WORKER_PROGRAM));
        window.show();
        auto failureBox = WindowDriver::widget<QComboBox>(&window, "failureBox");
        failureBox->setCurrentIndex(failureBox->findData(int(Failure::Crash)));
        auto start = WindowDriver::widget<QAbstractButton>(&window, "startButton");
        start->click();
        if (!waitFor([start] { return start->isEnabled(); })) {
            QTextStream(stderr) << "the crashing task did not end" << Qt::endl;
            return 1;
        }
        if (!save(&window, arguments.at(2)))
            return 1;
    }
    return 0;
}
