// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "demotask.h"
#include "expected.h"
#include "testsupport.h"
#include "worker.h"

#include <QBuffer>
#include <QDataStream>
#include <QTemporaryDir>
#include <QtTest>

namespace {
QByteArray encode(const WorkerReport &report)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    ResultFile::write(&buffer, report);
    return bytes;
}

bool decode(QByteArray bytes, WorkerReport *report, QString *error)
{
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::ReadOnly);
    return ResultFile::read(&buffer, report, error);
}

WorkerReport sampleReport()
{
    WorkerReport report;
    report.pid = 4242;
    report.seconds = 1.5;
    report.result = expectedResult(DemoTask::tiny());
    return report;
}
} // namespace

class tst_ResultFile : public QObject
{
    Q_OBJECT

private slots:
    void readsBackWhatWasWritten();
    void readsBackAnErrorReport();
    void rejectsEveryTruncation();
    void rejectsDamagedFiles_data();
    void rejectsDamagedFiles();
    void readsFilesOfTheRealWorker_data();
    void readsFilesOfTheRealWorker();
};

void tst_ResultFile::readsBackWhatWasWritten()
{
    WorkerReport report;
    QString error;
    QVERIFY2(decode(encode(sampleReport()), &report, &error), qPrintable(error));
    QCOMPARE(report.pid, 4242);
    QCOMPARE(report.seconds, 1.5);
    QCOMPARE(serialized(report.result), serialized(sampleReport().result));
    QVERIFY(report.error.isEmpty());
    QVERIFY(report.ballast.isEmpty());
}

void tst_ResultFile::readsBackAnErrorReport()
{
    WorkerReport written = sampleReport();
    written.error = QStringLiteral("division by zero in step 7");
    WorkerReport report;
    QString error;
    QVERIFY2(decode(encode(written), &report, &error), qPrintable(error));
    QCOMPARE(report.error, written.error);
}

void tst_ResultFile::rejectsEveryTruncation()
{
    const QByteArray whole = encode(sampleReport());
    for (int size = 0; size < whole.size(); ++size) {
        WorkerReport report;
        QString error;
        QVERIFY2(!decode(whole.left(size), &report, &error), qPrintable(QString::number(size)));
        QVERIFY2(error.contains(QLatin1String("cut short")), qPrintable(error));
    }
}

void tst_ResultFile::rejectsDamagedFiles_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");

    const QByteArray whole = encode(sampleReport());
    QByteArray wrongMagic = whole;
    wrongMagic[0] = 'X';
    QByteArray otherVersion = whole;
    otherVersion[5] = char(ResultFile::FormatVersion + 1);
    QByteArray unknownStatus = whole;
    unknownStatus[6] = 9;

    QByteArray hugeString;
    {
        QDataStream out(&hugeString, QIODevice::WriteOnly);
        out.setVersion(ResultFile::StreamVersion);
        out << ResultFile::Magic << ResultFile::FormatVersion << quint8(2) << qint64(1) << 0.0
            << quint32(0xfffffff0);
    }

    QTest::newRow("empty") << QByteArray() << QStringLiteral("empty or cut short");
    QTest::newRow("text") << QByteArray("hello, world\n") << QStringLiteral("wrong magic number");
    QTest::newRow("wrong magic") << wrongMagic << QStringLiteral("wrong magic number");
    QTest::newRow("other version") << otherVersion << QStringLiteral("format version 2");
    QTest::newRow("unknown status") << unknownStatus << QStringLiteral("corrupt");
    QTest::newRow("trailing bytes") << whole + "x" << QStringLiteral("unexpected bytes");
    QTest::newRow("4 GiB string length") << hugeString << QStringLiteral("cut short");
}

void tst_ResultFile::rejectsDamagedFiles()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    WorkerReport report;
    QString error;
    QVERIFY(!decode(bytes, &report, &error));
    QVERIFY2(error.contains(expected), qPrintable(error));
}

void tst_ResultFile::readsFilesOfTheRealWorker_data()
{
    QTest::addColumn<QString>("failure");
    QTest::addColumn<QString>("expected"); // empty: a good result

    QTest::newRow("none") << QStringLiteral("none") << QString();
    QTest::newRow("exception") << QStringLiteral("exception")
                               << QStringLiteral("report: simulated failure");
    QTest::newRow("truncated") << QStringLiteral("truncated") << QStringLiteral("cut short");
    QTest::newRow("garbage") << QStringLiteral("garbage") << QStringLiteral("wrong magic number");
    QTest::newRow("version") << QStringLiteral("version") << QStringLiteral("format version 2");
    QTest::newRow("hugelength") << QStringLiteral("hugelength") << QStringLiteral("cut short");
}

void tst_ResultFile::readsFilesOfTheRealWorker()
{
    QFETCH(QString, failure);
    QFETCH(QString, expected);
    QTemporaryDir folder;
    QVERIFY(folder.isValid());
    const QString path = folder.filePath(QStringLiteral("result"));
    const TaskInput input = DemoTask::quick();
    QByteArray output;
    runWorker(Task::toArguments(input)
                      << QStringLiteral("--output") << path << QStringLiteral("--fail") << failure,
              &output);

    QFile file(path);
    QVERIFY2(file.open(QIODevice::ReadOnly), output.constData());
    WorkerReport report;
    QString error;
    const bool ok = ResultFile::read(&file, &report, &error);
    if (expected.isEmpty()) {
        QVERIFY2(ok, qPrintable(error));
        QVERIFY(report.error.isEmpty());
        QCOMPARE(serialized(report.result), serialized(expectedResult(input)));
        QVERIFY(report.pid > 0);
    } else if (expected.startsWith(QLatin1String("report: "))) {
        QVERIFY2(ok, qPrintable(error));
        QVERIFY2(report.error.contains(expected.mid(8)), qPrintable(report.error));
    } else {
        QVERIFY(!ok);
        QVERIFY2(error.contains(expected), qPrintable(error));
    }
}

QTEST_GUILESS_MAIN(tst_ResultFile)
#include "tst_resultfile.moc"
