// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The tests' worker program, as Qt's own tests have helper programs (tst_qlockfile and its
// qlockfile_test_helper): it runs the product's real worker machinery (Worker, its locks, its
// result file) with a job the test picks, so that the tests of the machinery know nothing of the
// task. A waiter starts it (Waiter::setWorkerProgram(), with tests/testsupport.h's BytesJob) with
// raw bytes as each worker's input; the test picks the job through the environment, which workers
// inherit:
//
//   TESTWORKER_MODE    ok (default): works TESTWORKER_MILLIS ms, reporting progress, and returns
//                        the bytes of a default TaskResult
//                      echo: like ok, but returns "pid PID: INPUT" (its own pid and input) as UTF-8
//                      args: like ok, but returns "pid PID: ARGUMENTS" (its own) as UTF-8
//                      input: returns "SIZE SHA1" of its input: the size in bytes, the hash in hex
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
//   TESTWORKER_TEXT    the text of its progress reports (default: none)
//   TESTWORKER_START_DELAY_MILLIS  sleep before the worker machinery starts (a slow start)
//   TESTWORKER_STAMP   a path: the job writes there the steady clock's nanoseconds (the same clock
//                      in every process) as it returns its result, for the benchmark's handoff
//   TESTWORKER_START_STAMP  the same, as the job starts, holding its input
//
// Its log (stderr) gets a line as the job starts, "testworker: pid P works in mode M", and one just
// before a crash, an abort, an exit or a hang, so that the app's "Its log ends with" names the
// fault and a test sees when a worker is running or blocked.

#include "worker.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
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
    out.setVersion(DataFile::StreamVersion);
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
    DataFile::Contents contents;
    contents.token = token;
    contents.data = defaultResult();
    if (mode == "garbage") {
        file.write("This is not a result file.\n");
    } else if (mode == "truncated") {
        DataFile::write(&file, contents);
        file.resize(file.size() / 2);
    } else if (mode == "foreign") {
        contents.token = "a token of another run";
        DataFile::write(&file, contents);
    } else {
        QDataStream out(&file);
        out.setVersion(DataFile::StreamVersion);
        const bool version = mode == "version";
        out << DataFile::Magic << quint16(DataFile::FormatVersion + (version ? 1 : 0)) << token;
        if (mode == "hugelength")
            out << quint32(0xfffffff0); // an error of 4 GiB, and no error
        else if (mode == "hugeresult")
            out << QString() << (qint64(1) << 40); // a result of 1 TiB, and no result
    }
    file.close();
    std::_Exit(Worker::ExitOk);
}

void stamp(const char *variable = "TESTWORKER_STAMP")
{
    QFile file(qEnvironmentVariable(variable));
    if (file.fileName().isEmpty() || !file.open(QIODevice::WriteOnly))
        return;
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    file.write(QByteArray::number(qint64(std::chrono::nanoseconds(now).count())));
}

QByteArray job(const QByteArray &mode, const QCommandLineParser &parser, const QByteArray &input,
               const Task::Progress &progress)
{
    stamp("TESTWORKER_START_STAMP"); // the job holds its input now
    const QString text = qEnvironmentVariable("TESTWORKER_TEXT");
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
            progress(step, Steps, text);
        QThread::msleep(millis / Steps);
    }
    if (mode == "big") {
        QByteArray result(env("TESTWORKER_MIB", "1").toLongLong() << 20, '\x5a');
        stamp();
        return result;
    }
    if (mode == "echo")
        return QByteArray::number(QCoreApplication::applicationPid()).prepend("pid ") + ": "
                + input;
    if (mode == "args")
        return QStringLiteral("pid %1: %2")
                .arg(QCoreApplication::applicationPid())
                .arg(QCoreApplication::arguments().mid(1).join(QLatin1Char(' ')))
                .toUtf8();
    if (mode == "input")
        return QByteArray::number(input.size()) + ' '
                + QCryptographicHash::hash(input, QCryptographicHash::Sha1).toHex();
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
    parser.process(app);
    const QByteArray mode = pickMode();
    if (mode == "early") {
        say("exiting with code 127 before the worker machinery starts");
        return 127;
    }
    Worker worker(parser,
                  [&](const QByteArray &input, const Task::Progress &progress, QString *summary) {
                      *summary = QStringLiteral("testworker: done in mode %1, input of %2 bytes")
                                         .arg(QString::fromLatin1(mode))
                                         .arg(input.size());
                      return job(mode, parser, input, progress);
                  });
    return worker.exec();
}
