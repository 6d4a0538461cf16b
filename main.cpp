// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "mainwindow.h"
#include "worker.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>

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

// The window, unless a worker, --help or --version is asked for: those need no display.
bool wantsWindow(const QStringList &arguments)
{
    for (const char *console : {"--worker", "-h", "-?", "--help", "--help-all", "-v", "--version"})
        if (arguments.contains(QLatin1String(console)))
            return false;
    return true;
}

// Qt's own options (-style, -platform...) are known to QApplication only, which takes them out of
// the arguments. Without them, a wrong command line is told before there is one: with no display.
bool hasQtOptions(const QStringList &arguments)
{
    for (const QString &argument : arguments.mid(1))
        if (argument.startsWith(u'-') && !argument.startsWith(QLatin1String("--")))
            return true;
    return false;
}

QString commandLineError(const QCommandLineParser &parser, bool window)
{
    if (!parser.positionalArguments().isEmpty())
        return QCoreApplication::translate("main", "unexpected argument '%1'")
                .arg(parser.positionalArguments().constFirst());
    for (const QString &name : parser.optionNames()) { // the window takes --keep-input only
        if (window != (name == QLatin1String("keep-input")))
            return QCoreApplication::translate("main",
                                               window ? "--%1 only works with --worker"
                                                      : "--%1 only works without --worker")
                    .arg(name);
    }
    return {};
}

void addOptions(QCommandLineParser *parser)
{
    parser->setApplicationDescription(QCoreApplication::translate(
            "main", "Runs a long task in copies of itself, so that its window never freezes."));
    parser->addHelpOption();
    parser->addVersionOption();
    Task::addOptions(*parser);
    Worker::addOptions(*parser);
    parser->addOption({QStringLiteral("keep-input"),
                       QCoreApplication::translate("main",
                                                   "Copy the input of a worker that fails into "
                                                   "<folder>; the log says how to replay it."),
                       QStringLiteral("folder")});
}

int usageError(const QString &error)
{
    QTextStream(stderr) << APP_NAME ": " << error << Qt::endl;
    return Worker::ExitUsage;
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication::setApplicationName(QStringLiteral(APP_NAME));
    QCoreApplication::setApplicationVersion(QStringLiteral(APP_VERSION));
    QCommandLineParser parser;
    addOptions(&parser);
    QStringList arguments;
    for (int index = 0; index < argc; ++index)
        arguments << QString::fromLocal8Bit(argv[index]);
    const bool window = wantsWindow(arguments);
    if (window && !hasQtOptions(arguments)) {
        if (!parser.parse(arguments))
            return usageError(parser.errorText());
        if (const QString error = commandLineError(parser, window); !error.isEmpty())
            return usageError(error);
    }
    if (!window)
        useParentConsole();
    const std::unique_ptr<QCoreApplication> app(window ? new QApplication(argc, argv)
                                                       : new QCoreApplication(argc, argv));
    parser.process(*app); // --help, --version and unknown options end here
    if (const QString error = commandLineError(parser, window); !error.isEmpty())
        return usageError(error);
    if (window) {
        MainWindow mainWindow;
        mainWindow.waiter()->setKeepInputFolder(parser.value(QStringLiteral("keep-input")));
        mainWindow.show();
        return app->exec();
    }
    // The worker reads its input, or the task's options, as part of its task: their errors end as
    // its result.
    Worker worker(parser,
                  [&](const QByteArray &input, const Task::Progress &progress, QString *summary) {
                      return TaskGlue::run(parser, input, progress, summary);
                  });
    return worker.exec();
}
