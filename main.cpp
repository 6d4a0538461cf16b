// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "mainwindow.h"
#include "worker.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>

#include <algorithm>
#include <cstring>
#include <memory>

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

void addOptions(QCommandLineParser *parser)
{
    parser->setApplicationDescription(QCoreApplication::translate(
            "main", "Runs a long task in copies of itself, so that its window never freezes."));
    parser->addHelpOption();
    parser->addVersionOption();
    parser->addOption(
            {QStringLiteral("worker"),
             QCoreApplication::translate("main", "Run the task here, without a window.")});
    parser->addOption({QStringLiteral("input"),
                       QCoreApplication::translate("main", "With --worker: the app's input file."),
                       QStringLiteral("file")});
    Task::addOptions(*parser);
}

QString commandLineError(const QCommandLineParser &parser, bool worker)
{
    if (!parser.positionalArguments().isEmpty())
        return QCoreApplication::translate("main", "unexpected argument '%1'")
                .arg(parser.positionalArguments().constFirst());
    if (worker && parser.isSet(QStringLiteral("input"))
        && !parser.value(QStringLiteral("input")).endsWith(QLatin1String(".input")))
        return QCoreApplication::translate("main",
                                           "--input takes a file <number>.input that the app made");
    if (!worker && !parser.optionNames().isEmpty())
        return QCoreApplication::translate("main", "--%1 only works with --worker")
                .arg(parser.optionNames().constFirst());
    return {};
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication::setApplicationName(QStringLiteral(APP_NAME));
    QCoreApplication::setApplicationVersion(QStringLiteral(APP_VERSION));
    // A worker needs no display; the window takes Qt's own options (-style, -platform...).
    const bool worker = std::any_of(argv, argv + argc, [](const char *argument) {
        return !std::strcmp(argument, "--worker");
    });
    useParentConsole();
    const std::unique_ptr<QCoreApplication> app(worker ? new QCoreApplication(argc, argv)
                                                       : new QApplication(argc, argv));
    QCommandLineParser parser;
    addOptions(&parser);
    parser.process(*app); // --help, --version and an unknown option end here
    if (const QString error = commandLineError(parser, worker); !error.isEmpty()) {
        QTextStream(stderr) << APP_NAME ": " << error << Qt::endl;
        return Worker::ExitUsage;
    }
    if (!worker) {
        MainWindow window;
        window.show();
        return app->exec();
    }
    QByteArray input; // `--worker` alone: the input that the task's options give
    QString error;
    if (!parser.isSet(QStringLiteral("input")))
        input = TaskGlue::inputFromOptions(parser, &error);
    if (!error.isEmpty()) {
        QTextStream(stderr) << APP_NAME ": " << error << Qt::endl;
        return Worker::ExitFailed;
    }
    return Worker(parser.value(QStringLiteral("input")), input, TaskGlue::work).exec();
}
