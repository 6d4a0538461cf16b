// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "mainwindow.h"
#include "worker.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>

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

    // A worker, --help or --version: no window, so no display needed.
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
            "main", "Runs a long task in copies of itself, so that its window never freezes."));
    parser.addHelpOption();
    parser.addVersionOption();
    Task::addOptions(parser);
    Worker::addOptions(parser);
    parser.process(app); // --help, --version and unknown options end here
    QString error;
    if (!parser.positionalArguments().isEmpty())
        error = QCoreApplication::translate("main", "unexpected argument '%1'")
                        .arg(parser.positionalArguments().constFirst());
    else if (!parser.isSet(QStringLiteral("worker")))
        error = QCoreApplication::translate("main", "--%1 only works with --worker")
                        .arg(parser.optionNames().constFirst());
    if (!error.isEmpty()) {
        QTextStream(stderr) << APP_NAME ": " << error << Qt::endl;
        return Worker::ExitUsage;
    }
    // The worker reads the task's options as part of its task: their errors end as its result.
    Worker worker(Worker::readOptions(parser), [&parser](const Task::Progress &progress) {
        return TaskGlue::run(parser, progress);
    });
    return worker.exec();
}
