// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The result file, the one thing the app reads that it did not write itself: what the writer
// writes the reader gives back, and any other file, cut short, damaged or of another run, becomes
// one clear error. Results compare by their bytes: nothing here knows the task.

#include "testsupport.h"
#include "worker.h"

#include <QBuffer>
#include <QDataStream>
#include <QLockFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {
const QByteArray Token = "k2x9q1";

QByteArray encode(const DataFile::Contents &contents)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    if (!buffer.open(QIODevice::WriteOnly) || !DataFile::write(&buffer, contents))
        qFatal("cannot write a result file into memory");
    return bytes;
}

DataFile::Contents success(const QByteArray &result)
{
    DataFile::Contents contents;
    contents.token = Token;
    contents.data = result;
    return contents;
}

DataFile::Contents failure(const QString &error)
{
    DataFile::Contents contents;
    contents.token = Token;
    contents.error = error;
    return contents;
}

struct Reading
{
    bool ok = false;
    DataFile::Contents contents;
    QString error;
    qint64 consumed = 0; // how far the reader went into the file
};

Reading decode(QByteArray bytes, const QByteArray &token = Token)
{
    Reading reading;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::ReadOnly);
    reading.ok = DataFile::read(&buffer, token, &reading.contents, &reading.error);
    reading.consumed = buffer.pos();
    return reading;
}

// A file written by hand: the header with `token`, then whatever `fields` streams. The layout
// after the token: the error as a QString (empty if the task succeeded), then a qint64 size and
// the result's bytes.
template<typename Fields>
QByteArray handMade(const QByteArray &token, Fields fields)
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setVersion(DataFile::StreamVersion);
    out << DataFile::Magic << DataFile::FormatVersion << token;
    fields(out);
    return bytes;
}

constexpr quint32 FourGiB = 0xfffffff0; // a length that no file here has the bytes for
} // namespace

class tst_ResultFile : public QObject
{
    Q_OBJECT

private slots:
    void readsBackAResult_data();
    void readsBackAResult();
    void readsBackAnError();
    void rejectsAResultOfAnotherRunBeforeItsPayload();
    void rejectsEveryTruncation_data();
    void rejectsEveryTruncation();
    void rejectsDamagedFiles_data();
    void rejectsDamagedFiles();
    void readsFilesOfTheRealWorker_data();
    void readsFilesOfTheRealWorker();
};

void tst_ResultFile::readsBackAResult_data()
{
    QTest::addColumn<QByteArray>("result");

    QByteArray everyByte(1 << 20, Qt::Uninitialized);
    for (int index = 0; index < everyByte.size(); ++index)
        everyByte[index] = char(index * 7);

    QTest::newRow("the test worker's result") << defaultResultBytes();
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("1 MiB of every byte") << everyByte;
    QTest::newRow("2.5 MiB, in pieces of 1 MiB") << everyByte + everyByte + everyByte.left(1 << 19);
}

void tst_ResultFile::readsBackAResult()
{
    QFETCH(QByteArray, result);
    const Reading reading = decode(encode(success(result)));
    QVERIFY2(reading.ok, qPrintable(reading.error));
    QVERIFY(reading.error.isEmpty());
    QCOMPARE(reading.contents.token, Token);
    QVERIFY(reading.contents.error.isEmpty());
    QCOMPARE(reading.contents.data, result);
}

void tst_ResultFile::readsBackAnError()
{
    const QString why = QStringLiteral("división por cero in step 7 ✗\nsecond line");
    const Reading reading = decode(encode(failure(why)));
    QVERIFY2(reading.ok, qPrintable(reading.error)); // the file is fine: the task failed
    QCOMPARE(reading.contents.error, why);
    QVERIFY(reading.contents.data.isEmpty());
}

void tst_ResultFile::rejectsAResultOfAnotherRunBeforeItsPayload()
{
    const QByteArray other = "another-run";
    const QByteArray file = encode(success(QByteArray(4096, 'x')));
    const Reading reading = decode(file, other);
    QVERIFY(!reading.ok);
    QVERIFY2(reading.error.contains(QLatin1String("another run")), qPrintable(reading.error));
    // The header (magic, version) and the token, then nothing: not a byte of the payload.
    const qint64 headerAndToken = 4 + 2 + 4 + Token.size();
    QCOMPARE(reading.consumed, headerAndToken);

    // Whatever follows a foreign token, even a length no file has, is never looked at.
    const QByteArray hugeForeign =
            handMade(other, [](QDataStream &out) { out << QString() << qint64(FourGiB); });
    const Reading huge = decode(hugeForeign);
    QVERIFY(!huge.ok);
    QVERIFY2(huge.error.contains(QLatin1String("another run")), qPrintable(huge.error));
}

void tst_ResultFile::rejectsEveryTruncation_data()
{
    QTest::addColumn<QByteArray>("whole");
    QTest::newRow("a result") << encode(success(defaultResultBytes()));
    QTest::newRow("an empty result") << encode(success(QByteArray()));
    QTest::newRow("an error") << encode(failure(QStringLiteral("it broke")));
}

void tst_ResultFile::rejectsEveryTruncation()
{
    QFETCH(QByteArray, whole);
    QVERIFY(decode(whole).ok);
    for (int size = 0; size < whole.size(); ++size) {
        const Reading reading = decode(whole.left(size));
        const QString where = QStringLiteral("cut at %1 of %2 bytes: ").arg(size).arg(whole.size());
        QVERIFY2(!reading.ok, qPrintable(where + QLatin1String("accepted")));
        QVERIFY2(reading.error.contains(QLatin1String("cut short")),
                 qPrintable(where + reading.error));
    }
}

void tst_ResultFile::rejectsDamagedFiles_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected"); // a part of the error

    const QByteArray whole = encode(success(defaultResultBytes()));
    QByteArray otherMagic = whole;
    otherMagic[3] = '1'; // "LTR1", the format of older versions of this program
    QByteArray otherVersion = whole;
    otherVersion[5] = char(DataFile::FormatVersion + 1);
    QByteArray hugeToken;
    {
        QDataStream out(&hugeToken, QIODevice::WriteOnly);
        out.setVersion(DataFile::StreamVersion);
        out << DataFile::Magic << DataFile::FormatVersion << FourGiB;
        out.writeRawData(Token.constData(), Token.size());
    }
    const QString cutShort = QStringLiteral("cut short");

    QTest::newRow("empty") << QByteArray() << QStringLiteral("empty or cut short");
    QTest::newRow("text") << QByteArray("This is not a result file.\n")
                          << QStringLiteral("not a file of this program");
    QTest::newRow("zeros") << QByteArray(64, '\0') << QStringLiteral("not a file of this program");
    QTest::newRow("other magic") << otherMagic << QStringLiteral("not a file of this program");
    QTest::newRow("other format version")
            << otherVersion << QStringLiteral("format version %1").arg(DataFile::FormatVersion + 1);
    QTest::newRow("4 GiB token") << hugeToken << cutShort;
    QTest::newRow("4 GiB error") << handMade(Token, [](QDataStream &out) {
        out << FourGiB;
        out.writeRawData("\0w\0h\0y", 6);
    }) << cutShort;
    QTest::newRow("4 GiB result") << handMade(Token, [](QDataStream &out) {
        out << QString() << qint64(FourGiB);
        out.writeRawData("result", 6);
    }) << cutShort;
    QTest::newRow("result size above the file") << handMade(Token, [](QDataStream &out) {
        out << QString() << qint64(7);
        out.writeRawData("result", 6);
    }) << cutShort;
    QTest::newRow("negative result size")
            << handMade(Token, [](QDataStream &out) { out << QString() << qint64(-1); })
            << cutShort;
    QTest::newRow("odd error length") << handMade(Token, [](QDataStream &out) {
        out << quint32(3);
        out.writeRawData("abc", 3);
    }) << QStringLiteral("corrupt");
    QTest::newRow("a byte after the result") << whole + '\0' << QStringLiteral("unexpected bytes");
    QTest::newRow("a file after the result") << whole + whole << QStringLiteral("unexpected bytes");
    QTest::newRow("a byte after the error") << encode(failure(QStringLiteral("it broke"))) + 'x'
                                            << QStringLiteral("unexpected bytes");
}

void tst_ResultFile::rejectsDamagedFiles()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    const Reading reading = decode(bytes);
    QVERIFY2(!reading.ok, "accepted");
    QVERIFY2(reading.error.contains(expected), qPrintable(reading.error));
}

void tst_ResultFile::readsFilesOfTheRealWorker_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("result"); // when read() succeeds and the job did
    QTest::addColumn<QString>("taskError"); // when read() succeeds and the job failed
    QTest::addColumn<QString>("readError"); // when read() fails

    QTest::newRow("ok") << QStringLiteral("ok") << int(Worker::ExitOk) << defaultResultBytes()
                        << QString() << QString();
    QTest::newRow("big") << QStringLiteral("big") << int(Worker::ExitOk)
                         << QByteArray(1 << 20, '\x5a') << QString() << QString();
    QTest::newRow("throw") << QStringLiteral("throw") << int(Worker::ExitTaskFailed) << QByteArray()
                           << QStringLiteral("simulated failure") << QString();
    QTest::newRow("garbage") << QStringLiteral("garbage") << int(Worker::ExitOk) << QByteArray()
                             << QString() << QStringLiteral("not a file of this program");
    QTest::newRow("truncated") << QStringLiteral("truncated") << int(Worker::ExitOk) << QByteArray()
                               << QString() << QStringLiteral("cut short");
    QTest::newRow("version")
            << QStringLiteral("version") << int(Worker::ExitOk) << QByteArray() << QString()
            << QStringLiteral("format version %1").arg(DataFile::FormatVersion + 1);
    QTest::newRow("hugelength") << QStringLiteral("hugelength") << int(Worker::ExitOk)
                                << QByteArray() << QString() << QStringLiteral("cut short");
    QTest::newRow("hugeresult") << QStringLiteral("hugeresult") << int(Worker::ExitOk)
                                << QByteArray() << QString() << QStringLiteral("cut short");
    QTest::newRow("foreign") << QStringLiteral("foreign") << int(Worker::ExitOk) << QByteArray()
                             << QString() << QStringLiteral("another run");
}

void tst_ResultFile::readsFilesOfTheRealWorker()
{
    QFETCH(QString, mode);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, result);
    QFETCH(QString, taskError);
    QFETCH(QString, readError);

    QTemporaryDir folder;
    QVERIFY2(folder.isValid(), qPrintable(folder.errorString()));
    QFile file(folder.filePath(QStringLiteral("result")));
    QVERIFY(file.open(QIODevice::WriteOnly)); // the worker writes only into a file that exists
    file.close();
    QLockFile host(folder.filePath(QStringLiteral("host.lock"))); // the worker's app, still there
    QVERIFY(host.tryLock(0));

    QProcess worker;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("TESTWORKER_MODE"), mode);
    environment.insert(QStringLiteral("TESTWORKER_MILLIS"), QStringLiteral("0"));
    environment.insert(QStringLiteral("TESTWORKER_MIB"), QStringLiteral("1"));
    worker.setProcessEnvironment(environment);
    worker.setProcessChannelMode(QProcess::MergedChannels);
    worker.start(QStringLiteral(TEST_WORKER),
                 {QStringLiteral("--worker"), QStringLiteral("--result"), file.fileName(),
                  QStringLiteral("--token"), QString::fromLatin1(Token)});
    QVERIFY2(worker.waitForFinished(TaskTimeout), qPrintable(worker.errorString()));
    const QByteArray output = worker.readAll();
    QCOMPARE(worker.exitStatus(), QProcess::NormalExit);
    QVERIFY2(worker.exitCode() == exitCode, output.constData());

    QVERIFY(file.open(QIODevice::ReadOnly));
    DataFile::Contents contents;
    QString error;
    const bool ok = DataFile::read(&file, Token, &contents, &error);
    if (!readError.isEmpty()) {
        QVERIFY2(!ok, "accepted");
        QVERIFY2(error.contains(readError), qPrintable(error));
        return;
    }
    QVERIFY2(ok, qPrintable(error));
    QCOMPARE(contents.token, Token);
    if (!taskError.isEmpty()) {
        QVERIFY2(contents.error.contains(taskError), qPrintable(contents.error));
        QVERIFY(contents.data.isEmpty());
    } else {
        QVERIFY2(contents.error.isEmpty(), qPrintable(contents.error));
        QCOMPARE(contents.data, result);
    }
}

QTEST_GUILESS_MAIN(tst_ResultFile)
#include "tst_resultfile.moc"
