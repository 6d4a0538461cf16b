// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "mainwindow.h"
#include "worker.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>

#include <memory>

int main(int argc, char *argv[])
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate(
            "main", "Runs a long task in copies of itself, so that its window never freezes."));
    parser.addHelpOption();
    parser.addVersionOption();
    Task::addOptions(parser);
    Worker::addOptions(parser);

    // Parsed before any application object exists: only the window needs a QApplication. The
    // worker, --help, --version and a bad command line get a QCoreApplication, which needs no
    // display.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    TaskInput input;
    Worker::Options options;
    QString error;
    if (parser.parse(arguments) && !parser.positionalArguments().isEmpty())
        error = QCoreApplication::translate("main", "unexpected argument '%1'")
                        .arg(parser.positionalArguments().constFirst());
    else if (parser.unknownOptionNames().isEmpty())
        Worker::readOptions(parser, &options, &error);
    const bool window = error.isEmpty() && parser.unknownOptionNames().isEmpty()
            && !parser.isSet(QStringLiteral("worker")) && !parser.isSet(QStringLiteral("help"))
            && !parser.isSet(QStringLiteral("version"));
    // A worker reads the task's options as part of its task; the window's come from its fields.
    if (window)
        TaskGlue::readInput(parser, &input, &error);

    std::unique_ptr<QCoreApplication> app(window && error.isEmpty()
                                                  ? new QApplication(argc, argv)
                                                  : new QCoreApplication(argc, argv));
    QCoreApplication::setApplicationName(QStringLiteral(APP_NAME));
    QCoreApplication::setApplicationVersion(QStringLiteral(APP_VERSION));
    parser.process(*app); // --help, --version and unknown options end here
    if (!error.isEmpty()) {
        QTextStream(stderr) << APP_NAME ": " << error << Qt::endl;
        return Worker::ExitUsage;
    }
    if (!window) {
        Worker worker(options, [&parser](const Task::Progress &progress) {
            return TaskGlue::run(parser, progress);
        });
        return worker.exec();
    }
    MainWindow mainWindow(input);
    mainWindow.show();
    return app->exec();
}
