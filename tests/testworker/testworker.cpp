// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The tests' worker program, as Qt's own tests have helper programs (tst_qlockfile and its
// qlockfile_test_helper): it runs the product's real worker machinery (Worker, its locks, its
// result file) with a job the test picks, so that the tests of the machinery know nothing of the
// task. The window's waiter starts it (Waiter::setWorkerProgram()) with the task's own arguments,
// which it accepts and ignores; the test picks the job through the environment, which workers
// inherit:
//
//   TESTWORKER_MODE    ok (default): works TESTWORKER_MILLIS ms, reporting progress, and returns
//                        the bytes of a default TaskResult
//                      echo: like ok, but returns "pid PID: ARGUMENTS" (its own) as UTF-8
//                      silent: like ok, but never reports progress
//                      big: returns TESTWORKER_MIB MiB of bytes
//                      throw, crash, abort, exit: fail halfway, from inside the job
//                      early: exit before the worker machinery starts, as a program that cannot
//                        load its libraries does
//                      hang: block halfway forever, checking no flag
//                      garbage, truncated, version, hugelength, hugeresult, foreign: write a
//                        broken result file (an error or a result whose length field says 4 GiB
//                        or 1 TiB, or one with another run's token) and exit
//   TESTWORKER_ONCE    a path: only the first worker to create it takes MODE; the others take
//                      TESTWORKER_OTHERS (default ok)
//   TESTWORKER_MILLIS  how long the job works (default 200)
//   TESTWORKER_START_DELAY_MILLIS  sleep before the worker machinery starts (a slow start)
//   TESTWORKER_STAMP   a path: the job writes there the steady clock's nanoseconds (the same clock
//                      in every process) as it returns its result, for the benchmark's handoff
//
// Its log (stderr) gets a line as the job starts, "testworker: pid P works in mode M", and one just
// before a crash, an abort, an exit or a hang, so that the app's "Its log ends with" names the
// fault and a test sees when a worker is running or blocked.

#include "worker.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDataStream>
#include <QFile>
#include <QSemaphore>
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

// A line of the test worker's own in its log, written at once, whatever Qt's logging settings.
void say(const QByteArray &line)
{
    std::fputs(QByteArray("testworker: " + line + '\n').constData(), stderr);
    std::fflush(stderr);
}

QByteArray pickMode()
{
    const QByteArray mode = env("TESTWORKER_MODE", "ok");
    const QString once = qEnvironmentVariable("TESTWORKER_ONCE");
    if (once.isEmpty())
        return mode;
    QFile marker(once);
    return marker.open(QIODevice::WriteOnly | QIODevice::NewOnly) ? mode
                                                                  : env("TESTWORKER_OTHERS", "ok");
}

QByteArray defaultResult()
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setVersion(ResultFile::StreamVersion);
    out << TaskResult();
    return bytes;
}

// Writes a broken result file where the real one goes, then exits as a worker that wrote it would.
[[noreturn]] void writeBroken(const QByteArray &mode, const QCommandLineParser &parser)
{
    QFile file(parser.value(QStringLiteral("result")));
    const QByteArray token = parser.value(QStringLiteral("token")).toUtf8();
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        std::_Exit(Worker::ExitIoError);
    ResultFile::Contents contents;
    contents.token = token;
    contents.result = defaultResult();
    if (mode == "garbage") {
        file.write("This is not a result file.\n");
    } else if (mode == "truncated") {
        ResultFile::write(&file, contents);
        file.resize(file.size() / 2);
    } else if (mode == "foreign") {
        contents.token = "a token of another run";
        ResultFile::write(&file, contents);
    } else {
        QDataStream out(&file);
        out.setVersion(ResultFile::StreamVersion);
        const bool version = mode == "version";
        out << ResultFile::Magic << quint16(ResultFile::FormatVersion + (version ? 1 : 0)) << token;
        if (mode == "hugelength")
            out << quint32(0xfffffff0); // an error of 4 GiB, and no error
        else if (mode == "hugeresult")
            out << QString() << (qint64(1) << 40); // a result of 1 TiB, and no result
    }
    file.close();
    std::_Exit(Worker::ExitOk);
}

void stamp()
{
    QFile file(qEnvironmentVariable("TESTWORKER_STAMP"));
    if (file.fileName().isEmpty() || !file.open(QIODevice::WriteOnly))
        return;
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    file.write(QByteArray::number(qint64(std::chrono::nanoseconds(now).count())));
}

QByteArray job(const QByteArray &mode, const QCommandLineParser &parser,
               const Task::Progress &progress)
{
    const int millis = env("TESTWORKER_MILLIS", "200").toInt();
    say("pid " + QByteArray::number(QCoreApplication::applicationPid()) + " works in mode " + mode);
    constexpr int Steps = 20;
    for (int step = 0; step < Steps; ++step) {
        if (step == Steps / 2) {
            if (mode == "throw")
                throw std::runtime_error("simulated failure: the job threw halfway");
            if (mode == "crash") {
                say("raising SIGSEGV halfway");
                std::raise(SIGSEGV);
            }
            if (mode == "abort") {
                say("calling abort() halfway");
                std::abort();
            }
            if (mode == "exit") {
                say("exiting with code 7 halfway, without a result");
                std::_Exit(7);
            }
            if (mode == "hang") {
                say("blocking forever halfway, checking no flag");
                QSemaphore().acquire(); // forever
            }
        }
        if (mode != "silent")
            progress(step, Steps);
        QThread::msleep(millis / Steps);
    }
    if (mode == "big") {
        QByteArray result(env("TESTWORKER_MIB", "1").toLongLong() << 20, '\x5a');
        stamp();
        return result;
    }
    if (mode == "echo")
        return QStringLiteral("pid %1: %2")
                .arg(QCoreApplication::applicationPid())
                .arg(QCoreApplication::arguments().mid(1).join(QLatin1Char(' ')))
                .toUtf8();
    // On the main thread, where the worker rewrites its progress record in the result file: there
    // no record can land in the broken file while it is written.
    if (mode == "garbage" || mode == "truncated" || mode == "version" || mode == "hugelength"
        || mode == "hugeresult" || mode == "foreign")
        QMetaObject::invokeMethod(
                QCoreApplication::instance(), [&] { writeBroken(mode, parser); },
                Qt::BlockingQueuedConnection);
    return defaultResult();
}
} // namespace

int main(int argc, char *argv[])
{
    QThread::msleep(env("TESTWORKER_START_DELAY_MILLIS", "0").toULong());
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    Worker::addOptions(parser);
    Task::addOptions(parser); // the window passes the task's options; this program ignores them
    parser.process(app);
    const QByteArray mode = pickMode();
    if (mode == "early") {
        say("exiting with code 127 before the worker machinery starts");
        return 127;
    }
    Worker worker(parser,
                  [&](const Task::Progress &progress) { return job(mode, parser, progress); });
    return worker.exec();
}
