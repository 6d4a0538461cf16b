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
            "main", "Runs a long task in a copy of itself, so that its window never freezes."));
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    Task::addOptions(parser);
    Worker::addOptions(parser);

    // Parsed once before any application object exists: only the window needs a QApplication.
    // The worker, --help, --version and a bad command line get a QCoreApplication, which needs
    // no display and loads no platform plugin.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    Worker::Options options;
    QString error;
    if (!parser.parse(arguments)) {
        error = parser.errorText();
    } else if (!parser.positionalArguments().isEmpty()) {
        error = QCoreApplication::translate("main", "unexpected argument '%1'")
                        .arg(parser.positionalArguments().constFirst());
    }
    const bool valid = error.isEmpty() && Worker::readOptions(parser, &options, &error);
    const bool window = valid && !parser.isSet(QStringLiteral("worker"))
            && !parser.isSet(helpOption) && !parser.isSet(versionOption);

    std::unique_ptr<QCoreApplication> app(window ? new QApplication(argc, argv)
                                                 : new QCoreApplication(argc, argv));
    QCoreApplication::setApplicationName(QStringLiteral(APP_NAME));
    QCoreApplication::setApplicationVersion(QStringLiteral(APP_VERSION));
    parser.process(*app); // --help, --version and unknown options end here
    if (!valid) {
        QTextStream(stderr) << APP_NAME ": " << error << Qt::endl;
        return ExitUsage;
    }
    if (!window) {
        Worker worker(options);
        return worker.exec();
    }
    MainWindow mainWindow(options.input);
    mainWindow.show();
    return app->exec();
}
