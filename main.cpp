// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTextStream>

#include <algorithm>
#include <memory>
#include <string_view>

#ifdef Q_OS_WIN
#include <qt_windows.h>

#include <cstdio>
#endif

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("main", text);
}

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
    parser->setApplicationDescription(
            tr("Runs a long task in copies of itself, so that its window never freezes."));
    parser->addHelpOption();
    parser->addVersionOption();
    parser->addOption({QStringLiteral("worker"), tr("Run the task here, without a window.")});
    parser->addOption({QStringLiteral("input"), tr("With --worker: the app's file <n>.input."),
                       QStringLiteral("file")});
    Task::addOptions(*parser);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication::setApplicationName(QStringLiteral(APP_NAME));
    QCoreApplication::setApplicationVersion(QStringLiteral(APP_VERSION));
    // A worker needs no display; the window takes Qt's own options (-style, -platform...).
    const bool worker = std::find(argv, argv + argc, std::string_view("--worker")) != argv + argc;
    useParentConsole();
    const std::unique_ptr<QCoreApplication> app(worker ? new QCoreApplication(argc, argv)
                                                       : new QApplication(argc, argv));
    QCommandLineParser parser;
    addOptions(&parser);
    parser.process(*app); // --help, --version and an unknown option end here
    QString error;
    if (!parser.positionalArguments().isEmpty())
        error = tr("unexpected argument '%1'").arg(parser.positionalArguments().constFirst());
    else if (!worker && !parser.optionNames().isEmpty())
        error = tr("--%1 only works with --worker").arg(parser.optionNames().constFirst());
    if (!error.isEmpty()) {
        QTextStream(stderr) << APP_NAME ": " << error << Qt::endl;
        return Worker::ExitUsage;
    }
    if (!worker) {
        auto window = std::make_unique<MainWindow>();
        window->show();
        const int exitCode = app->exec();
        window.reset(); // its waiter waits for the workers' end
        return leaveProcess(exitCode);
    }
    return Worker(parser.value(QStringLiteral("input")),
                  [&](QDataStream &in, QDataStream &out, const Progress &progress) {
                      return TaskGlue::work(parser, in, out, progress);
                  })
            .exec();
}
