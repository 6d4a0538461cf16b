// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The blur's own test: .ci/template (tests/template/rename_and_swap.cmake) puts it in place of
// tests/tst_demotask.cpp, with the blur in place of the demo, as a user who swaps in a task of
// their own would. It is the one test that knows the task: its blur, split and combine, its data
// through QDataStream, `--worker` in a terminal, and the real app end to end in the window.
//
// Its pictures live in a folder of its own in the working directory, not in the temp folder: the
// app's temp folder is the test's own (TempFolder), and it must be empty again after every task.

#include "testsupport.h"

#include <QCommandLineParser>
#include <QLineEdit>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QtTest>

#include <stdexcept>

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

void check(bool ok, const char *what)
{
    if (!ok)
        throw std::runtime_error(what); // QtTest fails the test with it
}

// What the waiter writes into a worker's input file for `part` of the job's input.
QByteArray inputFileOf(Job *job, int part)
{
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    DataFile::writeHeader(out, "token");
    job->writeInput(part, out);
    return bytes;
}

// A task's whole path but the processes: the window's job splits the input and writes each part
// as the waiter does, TaskGlue::work() blurs it as a worker does, and the job reads the results
// back and combines them.
TaskResult runJob(const TaskInput &input, int workers)
{
    const std::unique_ptr<Job> job = TaskGlue::newJob(input);
    const QCommandLineParser noOptions; // read only by a worker without an input file
    const int parts = job->split(workers);
    check(parts >= 1 && parts <= workers, "split() gave no parts, or too many");
    for (int part = 0; part < parts; ++part) {
        QDataStream worker(inputFileOf(job.get(), part));
        QByteArray token;
        check(DataFile::readHeader(worker, &token).isEmpty(), "the input file's header");
        QByteArray resultFile;
        QDataStream out(&resultFile, QIODevice::WriteOnly);
        DataFile::writeHeader(out, token);
        TaskGlue::work(noOptions, worker, out, noProgress);
        QDataStream app(resultFile);
        check(DataFile::readHeader(app, &token).isEmpty(), "the result file's header");
        job->readResult(part, app);
        check(app.status() == QDataStream::Ok && app.atEnd(), "the result does not decode");
    }
    return job->result().value<TaskResult>();
}
} // namespace

class tst_Blur : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void blursAPointIntoASquare();
    void jobBlursExactlyAsTheWholePicture_data();
    void jobBlursExactlyAsTheWholePicture();
    void splitSaysWhyItHasNoPicture_data();
    void splitSaysWhyItHasNoPicture();
    void inputAndResultRoundTrip();
    void workerPrintsOneSummaryLineInATerminal();
    void workerRefusesWithOneLine_data();
    void workerRefusesWithOneLine();
    void windowSaysWhyItCannotBlur_data();
    void windowSaysWhyItCannotBlur();
    void windowBlursABigPictureAlikeInOneAndTwoWorkers();

private:
    QString writePicture(const QString &name, const QImage &picture);
    QImage blurInWindow(MainWindow *window, const QString &path, int workers);
    void newWindow(MainWindow *window, int workers);

    TempFolder m_temp; // the workers' folders go here, and must be gone after each task
    QTemporaryDir m_files {QDir::current().filePath(QStringLiteral("tst_demotask-XXXXXX"))};
    QList<qint64> m_pids; // of the last task's workers
};

void tst_Blur::initTestCase()
{
    QCoreApplication::setApplicationName(QStringLiteral(APP_NAME)); // as the app's locks say
    QVERIFY2(m_files.isValid(), qPrintable(m_files.errorString()));
}

// After every test: the temp folder is empty (it is once the window is idle), and no worker runs.
void tst_Blur::cleanup()
{
    QVERIFY2(m_temp.entries().isEmpty(), qPrintable(m_temp.entries().join(u' ')));
    QTRY_VERIFY_WITH_TIMEOUT(!anyProcessExists(m_pids), TaskTimeout);
    m_pids.clear();
}

QString tst_Blur::writePicture(const QString &name, const QImage &picture)
{
    const QString path = m_files.filePath(name);
    if (!picture.save(path, "PNG"))
        qFatal("cannot write %s", qPrintable(path));
    return path;
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

void tst_Blur::jobBlursExactlyAsTheWholePicture_data()
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

// In any number of parts, split once, through the files' streams both ways.
void tst_Blur::jobBlursExactlyAsTheWholePicture()
{
    QFETCH(QImage, picture);
    QFETCH(int, radius);
    const QImage expected = reference(picture, radius);
    for (int workers = 1; workers <= 8; ++workers) {
        QCOMPARE(runJob(inputOf(picture, radius), workers).picture, expected);
        QCOMPARE(int(Task::split(inputOf(picture, radius), workers).size()),
                 qMin(workers, picture.height())); // no part without a row of its own
    }
}

void tst_Blur::splitSaysWhyItHasNoPicture_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("problem");
    const QString missing = m_files.filePath(QStringLiteral("missing.png"));
    const QString notPicture = m_files.filePath(QStringLiteral("not a picture.png"));
    QFile text(notPicture);
    QVERIFY(text.open(QIODevice::WriteOnly) && text.write("<b>text</b>") > 0);
    QTest::newRow("no path") << QString() << QStringLiteral("no file is named");
    QTest::newRow("missing file") << missing << QStringLiteral("cannot read %1: ").arg(missing);
    QTest::newRow("not a picture")
            << notPicture << QStringLiteral("cannot read %1: ").arg(notPicture);
}

// The window's input names a file: split() reads it, off the GUI thread, or throws why it cannot.
void tst_Blur::splitSaysWhyItHasNoPicture()
{
    QFETCH(QString, path);
    QFETCH(QString, problem);
    TaskInput input;
    input.path = path;
    QString message;
    try {
        Task::split(input, 2);
    } catch (const std::exception &exception) {
        message = QString::fromUtf8(exception.what());
    }
    QVERIFY2(message.startsWith(QStringLiteral("no picture to blur: ") + problem),
             qPrintable(message));
    QVERIFY2(!message.contains(u'\n'), qPrintable(message));

    input.path = writePicture(QStringLiteral("a picture.png"), noise(8, 6));
    const QList<TaskInput> parts = Task::split(input, 2);
    QCOMPARE(parts.size(), 2);
    QCOMPARE(parts[0].picture.width(), 8);
}

// The input and the result travel in files: what goes in comes out, and nothing more. The input
// is far more than a command line could carry; a result cut in half does not decode (Qt's PNG
// reader does not miss the last bytes, a checksum, so fewer would not do).
void tst_Blur::inputAndResultRoundTrip()
{
    TaskInput input = inputOf(noise(600, 600), 4);
    input.path = QStringLiteral("a path's words");
    input.above = 1;
    input.below = 2;
    const TaskResult result {noise(40, 30, 7)};
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    DataFile::writeHeader(out, "token");
    out << input;
    const qsizetype inputEnd = bytes.size();
    out << result;
    QVERIFY2(inputEnd > MiB, qPrintable(QString::number(inputEnd)));

    QDataStream in(bytes);
    QByteArray token;
    QVERIFY(DataFile::readHeader(in, &token).isEmpty());
    TaskInput readInput;
    TaskResult readResult;
    in >> readInput >> readResult;
    QCOMPARE(in.status(), QDataStream::Ok);
    QVERIFY(in.atEnd());
    QCOMPARE(readInput.path, input.path);
    QCOMPARE(readInput.picture.convertToFormat(QImage::Format_ARGB32), input.picture);
    QCOMPARE(readInput.radius, input.radius);
    QCOMPARE(readInput.above, input.above);
    QCOMPARE(readInput.below, input.below);
    QCOMPARE(readResult.picture.convertToFormat(QImage::Format_ARGB32), result.picture);

    QDataStream cut(bytes.left(inputEnd + (bytes.size() - inputEnd) / 2));
    QVERIFY(DataFile::readHeader(cut, &token).isEmpty());
    cut >> readInput >> readResult;
    QVERIFY(cut.status() != QDataStream::Ok);
}

void tst_Blur::workerPrintsOneSummaryLineInATerminal()
{
    const QString path = writePicture(QStringLiteral("a picture.png"), noise(31, 17));
    const AppRun run = runApp({QStringLiteral("--worker"), QStringLiteral("--picture"), path});
    QCOMPARE(run.exitCode, int(Worker::ExitOk));
    QCOMPARE(run.out, QStringList(QStringLiteral("a picture of 31 x 17 pixels, blurred")));
    const QRegularExpression progress(QStringLiteral("^" APP_NAME ": \\d+% blurring$"));
    for (const QString &line : run.err) // progress only
        QVERIFY2(progress.match(line).hasMatch(), qPrintable(line));
}

void tst_Blur::workerRefusesWithOneLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("names"); // what its line names

    const QString missing = m_files.filePath(QStringLiteral("no such picture.png"));
    const auto row = [&](const char *name, const QString &arguments, int exitCode,
                         const QString &names) {
        QTest::newRow(name) << (QStringList {QStringLiteral("--worker")}
                                + arguments.split(u'|', Qt::SkipEmptyParts))
                            << exitCode << names;
    };
    row("no picture", QString(), Worker::ExitFailed, QStringLiteral("--picture names none"));
    row("a missing picture", QStringLiteral("--picture|") + missing, Worker::ExitFailed,
        QStringLiteral("no picture to blur: cannot read ") + missing);
    row("radius -1", QStringLiteral("--radius|-1|--picture|") + missing, Worker::ExitFailed,
        QStringLiteral("--radius"));
    row("radius 21", QStringLiteral("--radius|21|--picture|") + missing, Worker::ExitFailed,
        QStringLiteral("--radius"));
    row("radius x", QStringLiteral("--radius|x|--picture|") + missing, Worker::ExitFailed,
        QStringLiteral("--radius"));
    row("unknown option", QStringLiteral("--bogus"), Worker::ExitUsage, QStringLiteral("bogus"));
    row("missing input file", QStringLiteral("--input|1.input"), Worker::ExitFailed, QString());
}

void tst_Blur::workerRefusesWithOneLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, names);
    const AppRun run = runApp(arguments);
    QCOMPARE(run.exitCode, exitCode);
    QVERIFY2(run.out.isEmpty(), qPrintable(run.out.join(u'\n')));
    QVERIFY2(run.err.size() == 1 && run.err[0].contains(names), qPrintable(run.err.join(u'\n')));
}

// The real app end to end: the window's own job, its workers the app binary.
void tst_Blur::newWindow(MainWindow *window, int workers)
{
    window->waiter()->setWorkerProgram(QStringLiteral(APP_PROGRAM)); // not the test binary
    auto workersBox = widget<QSpinBox>(window, "workersBox");
    workersBox->setMaximum(qMax(workersBox->maximum(), workers)); // however many cores here
    workersBox->setValue(workers);
    window->show();
    if (!QTest::qWaitForWindowExposed(window))
        qFatal("the window was not exposed");
}

void tst_Blur::windowSaysWhyItCannotBlur_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("workers");
    QTest::addColumn<QString>("problem");
    const QString missing = m_files.filePath(QStringLiteral("missing.png"));
    const QString cannotRead = QStringLiteral("cannot read %1: ").arg(missing);
    const QString noFile = QStringLiteral("no file is named");
    QTest::newRow("empty path, 1 worker") << QString() << 1 << noFile;
    QTest::newRow("empty path, 2 workers") << QString() << 2 << noFile;
    QTest::newRow("missing file, 1 worker") << missing << 1 << cannotRead;
    QTest::newRow("missing file, 2 workers") << missing << 2 << cannotRead;
}

// One sentence in the status bar, and no worker started for nothing.
void tst_Blur::windowSaysWhyItCannotBlur()
{
    QFETCH(QString, path);
    QFETCH(int, workers);
    QFETCH(QString, problem);
    MainWindow window;
    newWindow(&window, workers);
    widget<QLineEdit>(&window, "pathEdit")->setText(path);
    QueuedSpy<QString> failed(window.waiter(), &Waiter::failed);
    QueuedSpy<QList<qint64>> started(window.waiter(), &Waiter::workersStarted);
    click(&window, "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(&window), TaskTimeout);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(started.count(), 0);
    const QString message = status(&window);
    QVERIFY2(message.contains(QStringLiteral(": no picture to blur: ") + problem),
             qPrintable(message));
    QVERIFY2(message.endsWith(u'.') && !message.contains(u'\n'), qPrintable(message));
    QVERIFY(widget<QLabel>(&window, "resultLabel")->text().isEmpty());
}

// Types the path, picks the workers, starts, and gives the picture that the window got.
QImage tst_Blur::blurInWindow(MainWindow *window, const QString &path, int workers)
{
    auto pathEdit = widget<QLineEdit>(window, "pathEdit");
    pathEdit->clear();
    QTest::keyClicks(pathEdit, path);
    widget<QSpinBox>(window, "workersBox")->setValue(workers);
    QueuedSpy<QList<qint64>> started(window->waiter(), &Waiter::workersStarted);
    QList<TaskResult> succeeded; // as the window gets it, decoded and combined
    const QMetaObject::Connection connection =
            connect(window->waiter(), &Waiter::succeeded, window,
                    [&](const QVariant &got) { succeeded << got.value<TaskResult>(); });
    click(window, "startButton");
    [&] {
        QTRY_VERIFY_WITH_TIMEOUT(isIdle(window), TaskTimeout);
        QVERIFY2(status(window).startsWith(QLatin1String("Done in ")), qPrintable(status(window)));
        QCOMPARE(started.count(), 1);
        QCOMPARE(pidsOf(started).size(), workers);
        QCOMPARE(succeeded.count(), 1);
    }();
    disconnect(connection);
    m_pids << pidsOf(started);
    return succeeded.isEmpty() ? QImage()
                               : succeeded.first().picture.convertToFormat(QImage::Format_ARGB32);
}

// A picture whose input file is over 1 MiB, through the real app, as one band and as two.
void tst_Blur::windowBlursABigPictureAlikeInOneAndTwoWorkers()
{
    const QImage picture = noise(560, 520);
    const QString path = writePicture(QStringLiteral("a big picture.png"), picture);
    QVERIFY(QFileInfo(path).size() > MiB);
    const QImage expected = Task::run(inputOf(picture, 2), noProgress).picture;
    MainWindow window;
    newWindow(&window, 2);
    widget<QSpinBox>(&window, "radiusBox")->setValue(2);

    QCOMPARE(blurInWindow(&window, path, 1), expected);
    const QString shown = widget<QLabel>(&window, "resultLabel")->text();
    QVERIFY2(shown.startsWith(Task::describe({expected}) + QStringLiteral(", in ")),
             qPrintable(shown));
    auto pictureLabel = widget<QLabel>(&window, "pictureLabel");
    QVERIFY(!pictureLabel->pixmap().isNull());
    QVERIFY(pictureLabel->pixmap().width() <= pictureLabel->width()); // scaled to fit
    QCOMPARE(pictureLabel->accessibleDescription(), shown);

    QCOMPARE(blurInWindow(&window, path, 2), expected);
    QueuedSpy<QList<qint64>> started(window.waiter(), &Waiter::workersStarted);
    click(&window, "startButton"); // a new task clears the last one's result
    QVERIFY(widget<QLabel>(&window, "resultLabel")->text().isEmpty());
    QVERIFY(pictureLabel->pixmap().isNull());
    click(&window, "cancelButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(&window), TaskTimeout);
    m_pids << pidsOf(started);
}

TESTSUPPORT_MAIN(tst_Blur)
#include "tst_demotask.moc"
