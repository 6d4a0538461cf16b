// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "mainwindow.h"
#include "worker.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>

#ifdef Q_OS_WIN
#include <qt_windows.h>

#include <cstdio>
#endif

namespace {
// A GUI program (WIN32_EXECUTABLE) has no console on Windows. Run from one, it attaches to it, so
// that `--worker` prints there; what the app starts has none to attach to, and opens none.
void useParentConsole()
{
#ifdef Q_OS_WIN
    if (AttachConsole(ATTACH_PARENT_PROCESS)) {
        if (!GetStdHandle(STD_OUTPUT_HANDLE)) // not redirected to a file
            std::freopen("CONOUT$", "w", stdout);
        if (!GetStdHandle(STD_ERROR_HANDLE))
            std::freopen("CONOUT$", "w", stderr);
    }
#endif
}

// What is wrong with a command line that Qt's parser took: the window takes no options.
QString commandLineError(const QCommandLineParser &parser)
{
    if (!parser.positionalArguments().isEmpty())
        return QCoreApplication::translate("main", "unexpected argument '%1'")
                .arg(parser.positionalArguments().constFirst());
    if (!parser.isSet(QStringLiteral("worker")))
        return QCoreApplication::translate("main", "--%1 only works with --worker")
                .arg(parser.optionNames().constFirst());
    return {};
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication::setApplicationName(QStringLiteral(APP_NAME));
    QCoreApplication::setApplicationVersion(QStringLiteral(APP_VERSION));
    if (argc == 1) { // the window: its task's input is in its fields
        QApplication app(argc, argv);
        MainWindow mainWindow;
        mainWindow.show();
        return app.exec();
    }
    useParentConsole(); // a worker, --help or --version: no window, so no display needed
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
            "main", "Runs a long task in copies of itself, so that its window never freezes."));
    parser.addHelpOption();
    parser.addVersionOption();
    Task::addOptions(parser);
    Worker::addOptions(parser);
    parser.process(app); // --help, --version and unknown options end here
    if (const QString error = commandLineError(parser); !error.isEmpty()) {
        QTextStream(stderr) << APP_NAME ": " << error << Qt::endl;
        return Worker::ExitUsage;
    }
    // The worker reads the task's options as part of its task: their errors end as its result.
    Worker worker(parser,
                  [&](const Task::Progress &progress) { return TaskGlue::run(parser, progress); });
    return worker.exec();
}
