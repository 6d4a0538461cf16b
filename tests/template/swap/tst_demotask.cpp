// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The word count's own test: the rename-and-swap test (tests/template) puts it in place of
// tests/tst_demotask.cpp, with the word count in place of the demo, as a user who swaps in a task
// of their own would. It is the one test that knows the task.
//
// The files it counts live in a folder of its own in the working directory, not in TMPDIR: the
// app's TMPDIR is the test's own folder too, and it must be empty again after every task.

#include "testsupport.h"

#include <QCommandLineParser>
#include <QLineEdit>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>

namespace {
// Case, punctuation, digits, letters beyond ASCII, every kind of white space.
const char Sample[] =
        "The cat and the hat.\nThe CAT sat;\tand sat\r\n on 2 mats, Ärger ärger straße. ";

void noProgress(qint64, qint64, const QString &) {}

TaskInput inputOf(const QString &path, int minLength = 1)
{
    TaskInput input;
    input.path = path;
    input.minLength = minLength;
    return input;
}

// The word count done another way: a regular expression over the whole text.
TaskResult reference(const QByteArray &bytes, int minLength)
{
    static const QRegularExpression word(QStringLiteral("[\\p{L}\\p{N}]+"));
    QHash<QString, qint64> counts;
    TaskResult result;
    QRegularExpressionMatchIterator matches = word.globalMatch(QString::fromUtf8(bytes));
    while (matches.hasNext()) {
        const QString found = matches.next().captured();
        if (found.size() >= minLength) {
            ++counts[found.toLower()];
            ++result.words;
        }
    }
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        result.counts.append({it.key(), it.value()});
    std::sort(result.counts.begin(), result.counts.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    return result;
}

// `size` bytes or a few more of made-up words of mixed case and script, parted by white space
// and by punctuation alone (where no cut can go), the same on every run.
QByteArray generatedText(int size)
{
    const QByteArrayList syllables = {"ka",   "Lo",   "mi", "über", "ñu",
                                      "стро", "日本", "ß",  "Ωx",   "7"};
    const QByteArrayList separators = {" ", "  ", "\n", "\r\n", "\t", ", ", "—", "-", "«", ". "};
    QRandomGenerator random(42);
    QByteArray text;
    while (text.size() < size) {
        for (int i = random.bounded(1, 4); i > 0; --i)
            text += syllables.at(random.bounded(int(syllables.size())));
        text += separators.at(random.bounded(int(separators.size())));
    }
    return text;
}

// The parts that `count` workers get, each counted alone, then combined as the window does.
TaskResult countInParts(const TaskInput &input, int count)
{
    QList<TaskResult> results;
    for (int index = 0; index < count; ++index)
        results << Task::run(Task::share(input, index, count), noProgress);
    return count == 1 ? results.first() : Task::combine(results);
}

// What the window's table shows: a line of a word and its count per row.
QStringList tableRows(QWidget *window)
{
    auto table = widget<QTableWidget>(window, "wordsTable");
    QStringList rows;
    for (int row = 0; row < table->rowCount(); ++row)
        rows << table->item(row, 0)->text() + QLatin1Char(' ') + table->item(row, 1)->text();
    return rows;
}

QByteArray bytesOf(const TaskResult &result)
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setVersion(DataFile::StreamVersion);
    out << result;
    return bytes;
}
} // namespace

class tst_WordCount : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void countsWordsOfTheShortestLengthOrLonger_data();
    void countsWordsOfTheShortestLengthOrLonger();
    void partsCountExactlyWhatTheWholeFileCounts_data();
    void partsCountExactlyWhatTheWholeFileCounts();
    void combineAddsTheCountsOfEachWord();
    void resultCrossesTheDataStreamWhole();
    void inputCrossesTheDataStreamWhole();
    void badOptionsAreRefusedInOneLine_data();
    void badOptionsAreRefusedInOneLine();
    void runRefusesAnEmptyPathAndAMissingFile();
    void windowSaysWhyItCannotCount_data();
    void windowSaysWhyItCannotCount();
    void windowCountsTheSameInOneAndTwoWorkers();

private:
    QString writeFile(const QString &name, const QByteArray &bytes);
    void countInWindow(QWidget *window, const QString &path, int minLength, int workers,
                       TaskResult *result);
    void verifyNothingLeft(const QList<qint64> &pids);

    QTemporaryDir m_temp; // the app's TMPDIR, inherited by its workers
    QTemporaryDir m_files {QDir::current().filePath(QStringLiteral("tst_demotask-XXXXXX"))};
};

void tst_WordCount::initTestCase()
{
    QVERIFY(m_temp.isValid());
    QVERIFY2(m_files.isValid(), qPrintable(m_files.errorString()));
    qputenv("TMPDIR", QFile::encodeName(m_temp.path()));
    QCOMPARE(QDir::tempPath(), m_temp.path());
}

void tst_WordCount::cleanup()
{
    QVERIFY2(filesIn(m_temp.path()).isEmpty(), qPrintable(filesIn(m_temp.path()).join(u' ')));
}

QString tst_WordCount::writeFile(const QString &name, const QByteArray &bytes)
{
    QFile file(m_files.filePath(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(file.fileName()));
    return file.fileName();
}

void tst_WordCount::verifyNothingLeft(const QList<qint64> &pids)
{
    QTRY_VERIFY_WITH_TIMEOUT(!anyProcessExists(pids), SettleTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(filesIn(m_temp.path()).isEmpty(), SettleTimeout);
}

void tst_WordCount::countsWordsOfTheShortestLengthOrLonger_data()
{
    using Counts = QList<QPair<QString, qint64>>;
    QTest::addColumn<int>("minLength");
    QTest::addColumn<qint64>("words");
    QTest::addColumn<Counts>("counts");
    const Counts longer = {{QStringLiteral("the"), 3},   {QStringLiteral("and"), 2},
                           {QStringLiteral("cat"), 2},   {QStringLiteral("sat"), 2},
                           {QStringLiteral("ärger"), 2}, {QStringLiteral("hat"), 1},
                           {QStringLiteral("mats"), 1},  {QStringLiteral("straße"), 1}};
    Counts all = longer;
    all.insert(5, {QStringLiteral("2"), 1});
    all.insert(8, {QStringLiteral("on"), 1});
    QTest::newRow("1") << 1 << qint64(16) << all;
    QTest::newRow("3") << 3 << qint64(14) << longer;
    QTest::newRow("5") << 5 << qint64(3)
                       << Counts {{QStringLiteral("ärger"), 2}, {QStringLiteral("straße"), 1}};
    QTest::newRow("7") << 7 << qint64(0) << Counts();
}

void tst_WordCount::countsWordsOfTheShortestLengthOrLonger()
{
    QFETCH(int, minLength);
    QFETCH(qint64, words);
    using Counts = QList<QPair<QString, qint64>>;
    QFETCH(Counts, counts);
    const QString path = writeFile(QStringLiteral("sample.txt"), Sample);
    qint64 lastDone = 0;
    qint64 lastTotal = 0;
    const TaskResult result =
            Task::run(inputOf(path, minLength), [&](qint64 done, qint64 total, const QString &) {
                lastDone = done;
                lastTotal = total;
            });
    QCOMPARE(result.words, words);
    QCOMPARE(result.counts, counts);
    QCOMPARE(lastDone, qint64(sizeof Sample - 1));
    QCOMPARE(lastTotal, qint64(sizeof Sample - 1));
    QVERIFY(!Task::describe(result).contains(u'\n'));
}

void tst_WordCount::partsCountExactlyWhatTheWholeFileCounts_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("minLength");
    QTest::newRow("sample") << QByteArray(Sample) << 1;
    QTest::newRow("300 kB, several reads a part") << generatedText(300'000) << 1;
    QTest::newRow("300 kB, words of 4 or more") << generatedText(300'000) << 4;
    QTest::newRow("empty") << QByteArray() << 1;
    QTest::newRow("white space only") << QByteArray(" \n\t\r\n  ") << 1;
    QTest::newRow("one word") << QByteArray("word") << 1;
    QTest::newRow("no white space at all") << QByteArray("one,two-three—four.").repeated(5000) << 1;
}

void tst_WordCount::partsCountExactlyWhatTheWholeFileCounts()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, minLength);
    const QString path = writeFile(QStringLiteral("parts.txt"), bytes);
    const TaskInput input = inputOf(path, minLength);
    const TaskResult expected = reference(bytes, minLength);
    const TaskResult whole = Task::run(input, noProgress);
    QCOMPARE(whole.words, expected.words);
    QCOMPARE(whole.counts, expected.counts);
    for (int count = 1; count <= 8; ++count) {
        // The parts follow each other and cut the file at white space only.
        qint64 from = 0;
        for (int index = 0; index < count; ++index) {
            const TaskInput part = Task::share(input, index, count);
            QCOMPARE(part.path, input.path);
            QCOMPARE(part.minLength, input.minLength);
            QCOMPARE(part.from, from);
            QVERIFY2(part.from == 0 || part.from == bytes.size()
                             || QByteArray(" \n\t\r\f\v").contains(bytes.at(part.from)),
                     qPrintable(QStringLiteral("part %1 of %2 starts at byte %3")
                                        .arg(index + 1)
                                        .arg(count)
                                        .arg(part.from)));
            from = part.to;
        }
        QCOMPARE(from, qint64(-1)); // the last part runs to the end of the file
        const TaskResult combined = countInParts(input, count);
        QCOMPARE(combined.words, expected.words);
        QCOMPARE(combined.counts, expected.counts);
    }
}

void tst_WordCount::combineAddsTheCountsOfEachWord()
{
    TaskResult first;
    first.words = 3;
    first.counts = {{QStringLiteral("the"), 2}, {QStringLiteral("a"), 1}};
    TaskResult second;
    second.words = 4;
    second.counts = {{QStringLiteral("a"), 2}, {QStringLiteral("b"), 1}, {QStringLiteral("c"), 1}};
    const TaskResult combined = Task::combine({first, TaskResult(), second});
    QCOMPARE(combined.words, qint64(7));
    const QList<QPair<QString, qint64>> counts = {{QStringLiteral("a"), 3},
                                                  {QStringLiteral("the"), 2},
                                                  {QStringLiteral("b"), 1},
                                                  {QStringLiteral("c"), 1}};
    QCOMPARE(combined.counts, counts);
}

// As the window reads a worker's result: every byte used, and nothing but the result.
void tst_WordCount::resultCrossesTheDataStreamWhole()
{
    const TaskResult sent = reference(generatedText(10'000), 1);
    const std::unique_ptr<Job> job = TaskGlue::newJob(TaskInput(), 1);
    job->readResult(0, bytesOf(sent));
    const TaskResult received = job->result().value<TaskResult>();
    QCOMPARE(received.words, sent.words);
    QCOMPARE(received.counts, sent.counts);
    bool refused = false; // a byte short: not a result of this task
    try {
        job->readResult(0, bytesOf(sent).chopped(1));
    } catch (const std::exception &) {
        refused = true;
    }
    QVERIFY(refused);
}

// As a worker reads its part of the input: the job serializes it, the stream gives it back whole.
void tst_WordCount::inputCrossesTheDataStreamWhole()
{
    TaskInput input = inputOf(QStringLiteral("/a path/with 'quotes'"), 4);
    input.from = 10;
    input.to = 20;
    const QByteArray bytes = TaskGlue::newJob(input, 1)->input(0);
    QDataStream in(bytes);
    in.setVersion(DataFile::StreamVersion);
    TaskInput read;
    in >> read;
    QCOMPARE(in.status(), QDataStream::Ok);
    QVERIFY(in.atEnd());
    QCOMPARE(read.path, input.path);
    QCOMPARE(read.minLength, input.minLength);
    QCOMPARE(read.from, input.from);
    QCOMPARE(read.to, input.to);
}

void tst_WordCount::badOptionsAreRefusedInOneLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("error");
    const auto withFile = [](const QStringList &options) {
        return QStringList {QStringLiteral("--file"), QStringLiteral("words.txt")} + options;
    };
    QTest::newRow("no path") << QStringList() << QStringLiteral("its path is empty");
    QTest::newRow("empty path") << QStringList {QStringLiteral("--file"), QString()}
                                << QStringLiteral("its path is empty");
    QTest::newRow("length 0") << withFile({QStringLiteral("--min-length"), QStringLiteral("0")})
                              << QStringLiteral("--min-length");
    QTest::newRow("length x") << withFile({QStringLiteral("--min-length"), QStringLiteral("x")})
                              << QStringLiteral("--min-length");
    QTest::newRow("negative from") << withFile({QStringLiteral("--from"), QStringLiteral("-5")})
                                   << QStringLiteral("--from");
    QTest::newRow("to before from") << withFile({QStringLiteral("--from"), QStringLiteral("10"),
                                                 QStringLiteral("--to"), QStringLiteral("3")})
                                    << QStringLiteral("--to");
}

void tst_WordCount::badOptionsAreRefusedInOneLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, error);
    QCommandLineParser parser;
    Task::addOptions(parser);
    QVERIFY2(parser.parse(QStringList {QStringLiteral("app")} + arguments),
             qPrintable(parser.errorText()));
    TaskInput input;
    QString why;
    QVERIFY(!Task::readOptions(parser, &input, &why));
    QVERIFY2(why.contains(error), qPrintable(why));
    QVERIFY2(!why.contains(u'\n'), qPrintable(why));
}

void tst_WordCount::runRefusesAnEmptyPathAndAMissingFile()
{
    const QString missing = m_files.filePath(QStringLiteral("missing.txt"));
    for (const QString &path : {QString(), missing}) {
        try {
            Task::run(inputOf(path), noProgress);
            QFAIL(qPrintable(QStringLiteral("counted the words of '%1'").arg(path)));
        } catch (const std::exception &e) {
            const QString why = QString::fromLocal8Bit(e.what());
            QVERIFY2(why.contains(path.isEmpty() ? QStringLiteral("its path is empty")
                                                 : QDir::toNativeSeparators(missing)),
                     qPrintable(why));
        }
    }
}

void tst_WordCount::windowSaysWhyItCannotCount_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("workers");
    QTest::addColumn<QString>("reason");
    const QString missing = m_files.filePath(QStringLiteral("missing.txt"));
    const QString cannotRead =
            QStringLiteral("cannot read %1: ").arg(QDir::toNativeSeparators(missing));
    QTest::newRow("empty path, 1 worker") << QString() << 1 << QStringLiteral("its path is empty");
    QTest::newRow("empty path, 2 workers") << QString() << 2 << QStringLiteral("its path is empty");
    QTest::newRow("missing file, 1 worker") << missing << 1 << cannotRead;
    QTest::newRow("missing file, 2 workers") << missing << 2 << cannotRead;
}

// The real app binary as the worker, as in a user's hands.
void tst_WordCount::windowSaysWhyItCannotCount()
{
    QFETCH(QString, path);
    QFETCH(int, workers);
    QFETCH(QString, reason);
    auto window = newWindow(QStringLiteral(APP_PROGRAM));
    auto workersBox = widget<QSpinBox>(window.get(), "workersBox");
    if (workersBox->maximum() < workers)
        QSKIP("this machine has one core: the window offers one worker only");
    workersBox->setValue(workers);
    widget<QLineEdit>(window.get(), "pathEdit")->setText(path);
    QSignalSpy failed(waiterOf(window.get()), &Waiter::failed);
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(failed.count(), 1);
    QVERIFY2(status(window.get()).contains(reason), qPrintable(status(window.get())));
    QVERIFY2(!status(window.get()).contains(u'\n'), qPrintable(status(window.get())));
    QVERIFY(text(window.get(), "totalLabel").isEmpty());
    QVERIFY(tableRows(window.get()).isEmpty());
    verifyNothingLeft(workerPids(window.get()));
}

// Types the path, picks the shortest length and the workers, starts, and gives the result the
// window got from its workers.
void tst_WordCount::countInWindow(QWidget *window, const QString &path, int minLength, int workers,
                                  TaskResult *result)
{
    auto pathEdit = widget<QLineEdit>(window, "pathEdit");
    pathEdit->clear();
    QTest::keyClicks(pathEdit, path);
    QCOMPARE(pathEdit->text(), path);
    widget<QSpinBox>(window, "minLengthBox")->setValue(minLength);
    widget<QSpinBox>(window, "workersBox")->setValue(workers);
    QSignalSpy started(waiterOf(window), &Waiter::workersStarted);
    QList<TaskResult> succeeded; // as the window gets it, decoded and combined
    const QMetaObject::Connection connection =
            connect(waiterOf(window), &Waiter::succeeded, window,
                    [&](const QVariant &got) { succeeded << got.value<TaskResult>(); });
    click(window, "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window), TaskTimeout);
    QCOMPARE(status(window), QStringLiteral("Done."));
    QCOMPARE(started.count(), 1);
    QCOMPARE(started.at(0).at(0).value<QList<qint64>>().size(), workers);
    disconnect(connection);
    QCOMPARE(succeeded.count(), 1);
    *result = succeeded.constFirst();
    verifyNothingLeft(workerPids(window));
}

void tst_WordCount::windowCountsTheSameInOneAndTwoWorkers()
{
    const QByteArray bytes = generatedText(2'000'000);
    const QString path = writeFile(QStringLiteral("two megabytes.txt"), bytes);
    const TaskResult expected = reference(bytes, 3);
    auto window = newWindow(QStringLiteral(APP_PROGRAM));
    if (widget<QSpinBox>(window.get(), "workersBox")->maximum() < 2)
        QSKIP("this machine has one core: the window offers one worker only");

    TaskResult alone;
    countInWindow(window.get(), path, 3, 1, &alone);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(alone.words, expected.words);
    QCOMPARE(alone.counts, expected.counts);
    const QString total = text(window.get(), "totalLabel");
    QVERIFY2(total.startsWith(QLocale().toString(expected.words)), qPrintable(total));
    const QStringList rows = tableRows(window.get());
    QCOMPARE(rows.size(), 20);
    QCOMPARE(rows.first(),
             expected.counts.first().first + u' '
                     + QLocale().toString(expected.counts.first().second));

    TaskResult shared;
    countInWindow(window.get(), path, 3, 2, &shared);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(shared.words, expected.words);
    QCOMPARE(shared.counts, expected.counts);
    QCOMPARE(text(window.get(), "totalLabel"), total);
    QCOMPARE(tableRows(window.get()), rows);
}

QTEST_MAIN(tst_WordCount)
#include "tst_demotask.moc"
