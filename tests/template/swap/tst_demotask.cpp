// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The blur's own test: the rename-and-swap test (tests/template) puts it in place of
// tests/tst_demotask.cpp, with the blur in place of the demo, as a user who swaps in a task of
// their own would. It is the one test that knows the task.
//
// Its pictures live in a folder of its own in the working directory, not in TMPDIR: the app's
// TMPDIR is the test's own folder too, and it must be empty again after every task.

#include "testsupport.h"

#include <QCommandLineParser>
#include <QLineEdit>
#include <QRandomGenerator>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

namespace {
constexpr qint64 MiB = 1 << 20;

void noProgress(qint64, qint64, const QString &) {}

// A picture of random pixels, transparency too, the same on every run: PNG cannot shrink it.
QImage noise(int width, int height, quint32 seed = 42)
{
    QImage picture(width, height, QImage::Format_ARGB32);
    QRandomGenerator random(seed);
    for (int y = 0; y < height; ++y) {
        auto line = reinterpret_cast<QRgb *>(picture.scanLine(y));
        for (int x = 0; x < width; ++x)
            line[x] = random.generate();
    }
    return picture;
}

TaskInput inputOf(const QImage &picture, int radius)
{
    TaskInput input;
    input.picture = picture;
    input.radius = radius;
    return input;
}

// The blur done another way: every pixel's square, clipped to the picture, with QImage::copy.
QImage reference(const QImage &picture, int radius)
{
    QImage blurred(picture.size(), QImage::Format_ARGB32);
    for (int y = 0; y < picture.height(); ++y) {
        for (int x = 0; x < picture.width(); ++x) {
            const QRect square =
                    QRect(x - radius, y - radius, 2 * radius + 1, 2 * radius + 1) & picture.rect();
            const QImage pixels = picture.copy(square);
            int sum[4] = {};
            for (int yy = 0; yy < pixels.height(); ++yy) {
                for (int xx = 0; xx < pixels.width(); ++xx) {
                    const QRgb pixel = pixels.pixel(xx, yy);
                    sum[0] += qRed(pixel);
                    sum[1] += qGreen(pixel);
                    sum[2] += qBlue(pixel);
                    sum[3] += qAlpha(pixel);
                }
            }
            const int count = square.width() * square.height();
            blurred.setPixel(x, y,
                             qRgba(sum[0] / count, sum[1] / count, sum[2] / count, sum[3] / count));
        }
    }
    return blurred;
}

// The parts that `count` workers get, each blurred alone, then combined as the window's job does.
QImage blurInParts(const TaskInput &input, int count)
{
    QList<TaskResult> results;
    for (int index = 0; index < count; ++index)
        results << Task::run(Task::share(input, index, count), noProgress);
    return count == 1 ? results.first().picture : Task::combine(results).picture;
}

template<typename T>
QByteArray bytesOf(const T &value)
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    out.setVersion(DataFile::StreamVersion);
    out << value;
    return bytes;
}
} // namespace

class tst_Blur : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void blursAPointIntoASquare();
    void bandsBlurExactlyAsTheWholePicture_data();
    void bandsBlurExactlyAsTheWholePicture();
    void resultCrossesTheDataStreamWhole();
    void inputCrossesTheDataStreamWhole();
    void badOptionsAreRefusedInOneLine_data();
    void badOptionsAreRefusedInOneLine();
    void windowSaysWhyItCannotBlur_data();
    void windowSaysWhyItCannotBlur();
    void windowBlursABigPictureAlikeInOneAndTwoWorkers();

private:
    QString writePicture(const QString &name, const QImage &picture);
    QImage blurInWindow(QWidget *window, const QString &path, int workers);
    void verifyNothingLeft(const QList<qint64> &pids);

    QTemporaryDir m_temp; // the app's TMPDIR, inherited by its workers
    QTemporaryDir m_files {QDir::current().filePath(QStringLiteral("tst_demotask-XXXXXX"))};
};

void tst_Blur::initTestCase()
{
    QVERIFY(m_temp.isValid());
    QVERIFY2(m_files.isValid(), qPrintable(m_files.errorString()));
    qputenv("TMPDIR", QFile::encodeName(m_temp.path()));
    QCOMPARE(QDir::tempPath(), m_temp.path());
}

void tst_Blur::cleanup()
{
    QVERIFY2(filesIn(m_temp.path()).isEmpty(), qPrintable(filesIn(m_temp.path()).join(u' ')));
}

QString tst_Blur::writePicture(const QString &name, const QImage &picture)
{
    const QString path = m_files.filePath(name);
    if (!picture.save(path, "PNG"))
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

void tst_Blur::verifyNothingLeft(const QList<qint64> &pids)
{
    QTRY_VERIFY_WITH_TIMEOUT(!anyProcessExists(pids), SettleTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(filesIn(m_temp.path()).isEmpty(), SettleTimeout);
}

void tst_Blur::blursAPointIntoASquare()
{
    QImage point(7, 5, QImage::Format_ARGB32);
    point.fill(qRgba(0, 0, 0, 255));
    point.setPixel(3, 2, qRgba(255, 90, 9, 255));
    qint64 lastDone = 0;
    qint64 lastTotal = 0;
    const TaskResult result =
            Task::run(inputOf(point, 1), [&](qint64 done, qint64 total, const QString &) {
                lastDone = done;
                lastTotal = total;
            });
    QCOMPARE(result.picture.size(), point.size());
    for (int y = 0; y < point.height(); ++y) {
        for (int x = 0; x < point.width(); ++x) {
            const bool near = qAbs(x - 3) <= 1 && qAbs(y - 2) <= 1;
            QCOMPARE(result.picture.pixel(x, y),
                     near ? qRgba(255 / 9, 90 / 9, 9 / 9, 255) : qRgba(0, 0, 0, 255));
        }
    }
    QCOMPARE(lastDone, qint64(5));
    QCOMPARE(lastTotal, qint64(5));
    QCOMPARE(Task::run(inputOf(point, 0), noProgress).picture, point);
    QVERIFY(!Task::describe(result).contains(u'\n'));
}

void tst_Blur::bandsBlurExactlyAsTheWholePicture_data()
{
    QTest::addColumn<QImage>("picture");
    QTest::addColumn<int>("radius");
    QTest::newRow("64 x 37, radius 3") << noise(64, 37) << 3;
    QTest::newRow("64 x 37, radius 0") << noise(64, 37) << 0;
    QTest::newRow("a radius past the picture") << noise(9, 6) << 8;
    QTest::newRow("one column") << noise(1, 50) << 2;
    QTest::newRow("fewer rows than workers") << noise(13, 3) << 1;
    QTest::newRow("one pixel") << noise(1, 1) << 2;
}

void tst_Blur::bandsBlurExactlyAsTheWholePicture()
{
    QFETCH(QImage, picture);
    QFETCH(int, radius);
    const QImage expected = reference(picture, radius);
    for (int count = 1; count <= 8; ++count)
        QCOMPARE(blurInParts(inputOf(picture, radius), count), expected);
}

// As the waiter reads a worker's result: every byte used, and nothing but the result.
void tst_Blur::resultCrossesTheDataStreamWhole()
{
    const TaskResult sent {noise(40, 30)};
    const std::unique_ptr<Job> job = TaskGlue::newJob(TaskInput(), 1);
    job->readResult(0, bytesOf(sent));
    QCOMPARE(job->result().value<TaskResult>().picture, sent.picture);
    bool refused = false; // cut in half: not a result of this task (Qt's PNG reader does not
                          // miss the last bytes, a checksum, so fewer would not do)
    try {
        job->readResult(0, bytesOf(sent).left(bytesOf(sent).size() / 2));
    } catch (const std::exception &) {
        refused = true;
    }
    QVERIFY(refused);
}

// As a worker reads its part of the input: the job serializes it, far more than a command line
// could carry, and the stream gives it back whole.
void tst_Blur::inputCrossesTheDataStreamWhole()
{
    TaskInput input = inputOf(noise(600, 600), 4);
    input.problem = QStringLiteral("a problem's words");
    const QByteArray bytes = TaskGlue::newJob(input, 1)->input(0);
    QVERIFY2(bytes.size() > MiB, qPrintable(QString::number(bytes.size())));
    QDataStream in(bytes);
    in.setVersion(DataFile::StreamVersion);
    TaskInput read;
    in >> read;
    QCOMPARE(in.status(), QDataStream::Ok);
    QVERIFY(in.atEnd());
    QCOMPARE(read.problem, input.problem);
    QCOMPARE(read.picture.convertToFormat(QImage::Format_ARGB32), input.picture);
    QCOMPARE(read.radius, input.radius);
    QCOMPARE(read.above, input.above);
    QCOMPARE(read.below, input.below);
}

void tst_Blur::badOptionsAreRefusedInOneLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("error");
    const QString missing = QStringLiteral("no such picture.png");
    const auto withPicture = [&](const QStringList &options) {
        return QStringList {QStringLiteral("--picture"), missing} + options;
    };
    QTest::newRow("no picture") << QStringList() << QStringLiteral("--picture names none");
    QTest::newRow("a missing picture")
            << withPicture({}) << QStringLiteral("no picture to blur: cannot read ") + missing;
    QTest::newRow("radius -1") << withPicture({QStringLiteral("--radius"), QStringLiteral("-1")})
                               << QStringLiteral("--radius");
    QTest::newRow("radius 21") << withPicture({QStringLiteral("--radius"), QStringLiteral("21")})
                               << QStringLiteral("--radius");
    QTest::newRow("radius x") << withPicture({QStringLiteral("--radius"), QStringLiteral("x")})
                              << QStringLiteral("--radius");
}

void tst_Blur::badOptionsAreRefusedInOneLine()
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

void tst_Blur::windowSaysWhyItCannotBlur_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("workers");
    QTest::addColumn<QString>("problem");
    const QString missing = m_files.filePath(QStringLiteral("missing.png"));
    const QString cannotRead = QStringLiteral("cannot read %1: ").arg(missing);
    const QString notPicture = m_files.filePath(QStringLiteral("not a picture.png"));
    QFile text(notPicture);
    QVERIFY(text.open(QIODevice::WriteOnly) && text.write("<b>text</b>") > 0);
    const QString noFile = QStringLiteral("no file is named");
    QTest::newRow("empty path, 1 worker") << QString() << 1 << noFile;
    QTest::newRow("empty path, 2 workers") << QString() << 2 << noFile;
    QTest::newRow("missing file, 1 worker") << missing << 1 << cannotRead;
    QTest::newRow("missing file, 2 workers") << missing << 2 << cannotRead;
    QTest::newRow("not a picture")
            << notPicture << 2 << QStringLiteral("cannot read %1: ").arg(notPicture);
}

// The real app binary as the worker, as in a user's hands.
void tst_Blur::windowSaysWhyItCannotBlur()
{
    QFETCH(QString, path);
    QFETCH(int, workers);
    QFETCH(QString, problem);
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
    const QString message = status(window.get());
    QVERIFY2(message.contains(QStringLiteral(": no picture to blur: ") + problem),
             qPrintable(message));
    QVERIFY2(!message.contains(u'\n'), qPrintable(message));
    QVERIFY(text(window.get(), "resultLabel").isEmpty());
    verifyNothingLeft(workerPids(window.get()));
}

// Types the path, picks the workers, starts, and gives the picture that the window got.
QImage tst_Blur::blurInWindow(QWidget *window, const QString &path, int workers)
{
    auto pathEdit = widget<QLineEdit>(window, "pathEdit");
    pathEdit->clear();
    QTest::keyClicks(pathEdit, path);
    widget<QSpinBox>(window, "workersBox")->setValue(workers);
    QSignalSpy started(waiterOf(window), &Waiter::workersStarted);
    QList<TaskResult> succeeded; // as the window gets it, decoded and combined
    const QMetaObject::Connection connection =
            connect(waiterOf(window), &Waiter::succeeded, window,
                    [&](const QVariant &got) { succeeded << got.value<TaskResult>(); });
    click(window, "startButton");
    [&] {
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(window), TaskTimeout);
        QCOMPARE(status(window), QStringLiteral("Done."));
        QCOMPARE(started.count(), 1);
        QCOMPARE(started.at(0).at(0).value<QList<qint64>>().size(), workers);
        QCOMPARE(succeeded.count(), 1);
    }();
    disconnect(connection);
    verifyNothingLeft(workerPids(window));
    return succeeded.isEmpty() ? QImage()
                               : succeeded.first().picture.convertToFormat(QImage::Format_ARGB32);
}

// A picture whose input file is over 1 MiB, through the real app, as one band and as two.
void tst_Blur::windowBlursABigPictureAlikeInOneAndTwoWorkers()
{
    const QImage picture = noise(560, 520);
    const QString path = writePicture(QStringLiteral("a big picture.png"), picture);
    QVERIFY(QFileInfo(path).size() > MiB);
    QVERIFY(TaskGlue::newJob(inputOf(picture, 2), 1)->input(0).size() > MiB);
    const QImage expected = Task::run(inputOf(picture, 2), noProgress).picture;
    auto window = newWindow(QStringLiteral(APP_PROGRAM));
    widget<QSpinBox>(window.get(), "radiusBox")->setValue(2);
    if (widget<QSpinBox>(window.get(), "workersBox")->maximum() < 2)
        QSKIP("this machine has one core: the window offers one worker only");

    QCOMPARE(blurInWindow(window.get(), path, 1), expected);
    const QString shown = text(window.get(), "resultLabel");
    QCOMPARE(shown, Task::describe({expected}));
    auto pictureLabel = widget<QLabel>(window.get(), "pictureLabel");
    QVERIFY(!pictureLabel->pixmap().isNull());
    QCOMPARE(pictureLabel->accessibleDescription(), shown);

    QCOMPARE(blurInWindow(window.get(), path, 2), expected);
    QCOMPARE(text(window.get(), "resultLabel"), shown);
}

QTEST_MAIN(tst_Blur)
#include "tst_demotask.moc"
