// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The tests' worker program, as Qt's own tests have helper programs (tst_qlockfile and its
// qlockfile_test_helper): it runs the product's real worker machinery (Worker, its lock, its
// files) with work the test picks, so that the tests of the machinery know nothing of the task.
// A waiter starts it with a TestJob (testjob.h); the test picks the work through the environment,
// which workers inherit:
//
//   TESTWORKER_MODE    ok (default): works TESTWORKER_MILLIS ms, reporting progress, and returns
//                        "PID SIZE SHA1" of its input
//                      args: returns its own command line
//                      silent: like ok, but never reports progress
//                      big: returns TESTWORKER_MIB MiB of text
//                      throw, crash, abort, exit: fail halfway, from inside the work
//                      hang: block halfway forever, checking no flag
//                      undecodable: a result that says it has 1000 bytes more than it has
//                      garbage, foreign: a result file that is not this program's, or of
//                        another task
//   TESTWORKER_ONCE    a path: only the first worker to create it takes MODE; the others work
//                      as in ok
//   TESTWORKER_MILLIS  how long the work takes (default 200)
//   TESTWORKER_TEXT    the text of its progress reports (default: none), and what throw throws
//   TESTWORKER_STAMP   a path: the work writes there the steady clock's nanoseconds as it returns
//                      its result (the benchmark's handoff)
//   TESTWORKER_START_STAMP  the same, as the work starts, holding its input
//
// Its log gets a line before each fault ("testworker: crashing halfway"), so that the app's
// message names it. `testworker --host N` is an app without a window: it runs a task in N test
// workers, prints their pids on one line and waits, for a test to kill it.

#include "testjob.h"
#include "worker.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDataStream>
#include <QFile>
#include <QSemaphore>
#include <QTextStream>
#include <QThread>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace {
QByteArray env(const char *name, const char *fallback)
{
    const QByteArray value = qgetenv(name);
    return value.isEmpty() ? QByteArray(fallback) : value;
}

void say(const char *line) // through Qt's logging, as a task's own messages go
{
    qWarning("testworker: %s", line);
}

QByteArray pickMode()
{
    const QByteArray mode = env("TESTWORKER_MODE", "ok");
    const QString once = qEnvironmentVariable("TESTWORKER_ONCE");
    QFile marker(once);
    return once.isEmpty() || marker.open(QIODevice::WriteOnly | QIODevice::NewOnly) ? mode : "ok";
}

void stamp(const char *variable = "TESTWORKER_STAMP")
{
    QFile file(qEnvironmentVariable(variable));
    if (file.fileName().isEmpty() || !file.open(QIODevice::WriteOnly))
        return;
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    file.write(QByteArray::number(qint64(std::chrono::nanoseconds(now).count())));
}

// Writes a file that is not a good result where the result goes, and ends as if it were.
[[noreturn]] void writeBroken(const QByteArray &mode)
{
    QString path = QCoreApplication::arguments().constLast();
    QFile file(path.replace(QLatin1String(".input"), QLatin1String(".result")));
    if (file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        QDataStream out(&file);
        if (mode == "foreign")
            DataFile::writeHeader(out, "a token of another task"),
                    out << quint8(1) << QStringList();
        else
            file.write("This is not a result file.\n");
        file.close();
    }
    std::_Exit(0);
}

void fault(const QByteArray &mode)
{
    if (mode == "throw") // with TESTWORKER_TEXT as its message, if there is one
        throw std::runtime_error(
                qEnvironmentVariable("TESTWORKER_TEXT", QStringLiteral("thrown on purpose halfway"))
                        .toStdString());
    if (mode == "crash") {
        say("crashing halfway");
        std::raise(SIGSEGV);
    }
    if (mode == "abort") {
        say("aborting halfway");
        std::abort();
    }
    if (mode == "exit") {
        say("exiting halfway");
        std::_Exit(0); // exit() from a second thread would run atexit handlers under its feet
    }
    if (mode == "hang") {
        say("hanging halfway");
        QSemaphore().acquire(); // forever
    }
    if (mode == "garbage" || mode == "foreign")
        writeBroken(mode);
}

QString work(QDataStream &in, QDataStream &out, const Progress &progress)
{
    QByteArray input;
    in >> input;
    stamp("TESTWORKER_START_STAMP");
    const QByteArray mode = pickMode();
    const QString text = qEnvironmentVariable("TESTWORKER_TEXT");
    const int millis = env("TESTWORKER_MILLIS", "200").toInt();
    constexpr int Steps = 20;
    for (int step = 0; step < Steps; ++step) {
        if (step == Steps / 2)
            fault(mode);
        if (mode != "silent")
            progress(step, Steps, text);
        QThread::msleep(millis / Steps);
    }
    QString result =
            QStringLiteral("%1 %2 %3")
                    .arg(QCoreApplication::applicationPid())
                    .arg(input.size())
                    .arg(QString::fromLatin1(
                            QCryptographicHash::hash(input, QCryptographicHash::Sha1).toHex()));
    if (mode == "args")
        result = QCoreApplication::arguments().join(u' ');
    else if (mode == "big")
        result = QString(env("TESTWORKER_MIB", "1").toInt() << 19, u'x'); // 2 bytes a character
    if (mode == "undecodable")
        out << quint32(1000); // a string of 1000 bytes, and no bytes
    else
        out << result;
    stamp();
    return QStringLiteral("testworker: done in mode %1").arg(QString::fromLatin1(mode));
}

int host(int workers)
{
    Waiter waiter;
    waiter.setWorkerProgram(QCoreApplication::applicationFilePath(),
                            [] { return std::make_unique<TestJob>(); });
    QObject::connect(&waiter, &Waiter::workersStarted, [](const QList<qint64> &pids) {
        QTextStream out(stdout);
        for (qint64 pid : pids)
            out << pid << ' ';
        out << Qt::endl;
    });
    waiter.start(nullptr, workers);
    return QCoreApplication::exec(); // until killed
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral(APP_NAME)); // as the app's locks say
    QCommandLineParser parser;
    parser.addOptions(
            {{QStringLiteral("worker"), QStringLiteral("Work.")},
             {QStringLiteral("input"), QStringLiteral("The input file."), QStringLiteral("file")},
             {QStringLiteral("host"), QStringLiteral("Run N workers."), QStringLiteral("n")}});
    parser.process(app);
    if (parser.isSet(QStringLiteral("host")))
        return host(parser.value(QStringLiteral("host")).toInt());
    return Worker(parser.value(QStringLiteral("input")), work).exec();
}
