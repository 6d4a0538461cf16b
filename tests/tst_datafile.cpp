// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The files between the app and its workers, the one thing the app reads that it did not write:
// a file that is cut, foreign, of another run or garbage is one clear error, never a crash, and
// its payload is never looked at before its header and token have passed. Nothing here knows the
// task: payloads are bytes.

#include "worker.h"

#include <QBuffer>
#include <QDataStream>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

#include <functional>
#include <stdexcept>

namespace {
const QByteArray Token = "k2x9q1";
const QByteArray Payload = "the task's result";
enum State : quint8 { NoResult, Done, Failed }; // the state byte, as worker.cpp writes it

// A result file: the header with `token`, the state, then what `more` writes.
QByteArray resultFile(quint8 state, const std::function<void(QDataStream &)> &more = {},
                      const QByteArray &token = Token)
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    DataFile::writeHeader(out, token);
    out << state;
    if (more)
        more(out);
    return bytes;
}

void writePayload(QDataStream &out)
{
    out << Payload;
}

QByteArray goodFile()
{
    return resultFile(Done, writePayload);
}

QByteArray changed(QByteArray bytes, int at) // one byte of the header, other than written
{
    bytes[at] = char(bytes[at] + 1);
    return bytes;
}

struct Reading
{
    QString error;
    int decodes = 0;
    QByteArray payload;
};

Reading readFile(QByteArray bytes, bool throwing = false)
{
    Reading reading;
    QBuffer file(&bytes);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open a buffer");
    reading.error = DataFile::readResult(&file, Token, [&](QDataStream &in) {
        ++reading.decodes;
        if (throwing)
            throw std::runtime_error("field 3 is not a number");
        in >> reading.payload;
    });
    return reading;
}

// What the waiter builds its sentence of: one phrase, not a line or a sentence of its own.
bool isOnePhrase(const QString &error)
{
    return !error.isEmpty() && !error.contains(u'\n') && !error.endsWith(u'.');
}

// All this process has ever reserved, touched or not (Linux; 0 without a /proc).
qint64 peakMemoryKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    const QString text =
            status.open(QIODevice::ReadOnly) ? QString::fromLatin1(status.readAll()) : QString();
    return QRegularExpression(QStringLiteral("VmPeak:\\s*(\\d+)"))
            .match(text)
            .captured(1)
            .toLongLong();
}
} // namespace

class tst_DataFile : public QObject
{
    Q_OBJECT

private slots:
    void readsAGoodResult();
    void refusesABadFileWithOneClearError_data();
    void refusesABadFileWithOneClearError();
    void reportsTheTasksOwnError();
    void aDecodeThatThrowsIsAnError();
    void aHugeLengthIsAnErrorWithoutAllocatingIt();
    void readsBackTheHeaderOfAnInputFile();
};

void tst_DataFile::readsAGoodResult()
{
    const Reading reading = readFile(goodFile());
    QVERIFY2(reading.error.isEmpty(), qPrintable(reading.error));
    QCOMPARE(reading.decodes, 1);
    QCOMPARE(reading.payload, Payload);
}

void tst_DataFile::refusesABadFileWithOneClearError_data()
{
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QString>("words");
    QTest::addColumn<bool>("decoded"); // whether its payload may be looked at

    const QByteArray good = goodFile();
    const qsizetype headerSize = resultFile(Done).size() - 1;
    const auto row = [](const char *name, const QByteArray &file, const char *words, bool decoded) {
        QTest::newRow(name) << file << QString::fromUtf8(words) << decoded;
    };
    row("empty", QByteArray(), "without a result", false);
    row("cut in the magic", good.left(3), "cut short", false);
    row("cut after the version", good.left(6), "cut short", false);
    row("cut in the token", good.left(headerSize - 2), "cut short", false);
    row("garbage", "This is not a result file.", "not a file of this program", false);
    row("another program's magic", changed(good, 0), "not a file of this program", false);
    row("another format version", changed(good, 5), "another version", false);
    row("another task's token", resultFile(Done, writePayload, "x7"), "another task", false);
    row("no state", good.left(headerSize), "without a result", false);
    row("no result (worker ended first)", resultFile(NoResult), "without a result", false);
    row("payload cut short", good.chopped(3), "cut short", true);
    row("bytes after the payload", good + "more", "does not decode", true);
}

void tst_DataFile::refusesABadFileWithOneClearError()
{
    QFETCH(QByteArray, file);
    QFETCH(QString, words);
    QFETCH(bool, decoded);
    const Reading reading = readFile(file);
    QVERIFY2(isOnePhrase(reading.error), qPrintable(u'"' + reading.error + u'"'));
    QVERIFY2(reading.error.contains(words), qPrintable(reading.error));
    QVERIFY2(decoded || reading.decodes == 0, "read a payload it should have refused first");
}

void tst_DataFile::reportsTheTasksOwnError()
{
    const QString message = QStringLiteral("división por cero in step 7 ✗");
    const Reading reading = readFile(resultFile(Failed, [&](QDataStream &out) { out << message; }));
    QVERIFY2(isOnePhrase(reading.error), qPrintable(reading.error));
    QVERIFY2(reading.error.endsWith(QStringLiteral("failed: ") + message),
             qPrintable(reading.error));
    QCOMPARE(reading.decodes, 0);
}

void tst_DataFile::aDecodeThatThrowsIsAnError()
{
    const Reading reading = readFile(goodFile(), true);
    QVERIFY2(isOnePhrase(reading.error), qPrintable(reading.error));
    QVERIFY2(reading.error.contains(QLatin1String("does not decode"))
                     && reading.error.contains(QLatin1String("field 3 is not a number")),
             qPrintable(reading.error));
}

// A length field is data too: one that claims 4 GiB in a file of a few bytes is a file cut short.
void tst_DataFile::aHugeLengthIsAnErrorWithoutAllocatingIt()
{
    const QByteArray file = resultFile(Done, [](QDataStream &out) { out << quint32(0xfffffff0); });
    const qint64 peakBefore = peakMemoryKiB();
    QElapsedTimer clock;
    clock.start();
    const Reading reading = readFile(file + QByteArray(1000, 'x'));
    QVERIFY2(clock.elapsed() < 5000, qPrintable(QStringLiteral("%1 ms").arg(clock.elapsed())));
    QVERIFY2(isOnePhrase(reading.error), qPrintable(reading.error));
    QVERIFY2(reading.error.contains(QLatin1String("cut short")), qPrintable(reading.error));
    const qint64 grownKiB = peakMemoryKiB() - peakBefore;
    QVERIFY2(grownKiB < 1024 * 1024, qPrintable(QStringLiteral("%1 KiB more").arg(grownKiB)));
}

void tst_DataFile::readsBackTheHeaderOfAnInputFile()
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    DataFile::writeHeader(out, Token);
    out << Payload;
    QBuffer file(&bytes);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QDataStream in(&file);
    QByteArray token, input;
    const QString error = DataFile::readHeader(in, &token);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(token, Token);
    in >> input; // what follows the header is the task's, untouched
    QCOMPARE(input, Payload);
    QVERIFY(in.atEnd());
}

QTEST_MAIN(tst_DataFile)
#include "tst_datafile.moc"
