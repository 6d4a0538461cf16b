// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The benchmark of issue 3: what running the task in a detached copy of the app costs, against
// the floor of any out-of-process design, and how fast the window stays while it happens. It
// prints a table of figures with their targets, or one JSON object with --json.

#include "measurements.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>

#include <cmath>

namespace {
enum class Target { None, AtMost, Below, AtLeast };

struct Figure
{
    QString key;
    double value;
    int decimals;
    Target target = Target::None;
    double limit = 0;
};

bool isMet(const Figure &figure)
{
    switch (figure.target) {
    case Target::AtMost:
        return figure.value <= figure.limit; // false for NaN, as it should be
    case Target::Below:
        return figure.value < figure.limit;
    case Target::AtLeast:
        return figure.value >= figure.limit;
    case Target::None:
        break;
    }
    return true;
}

QString targetText(const Figure &figure)
{
    switch (figure.target) {
    case Target::AtMost:
        return QLatin1String("<= ") + QString::number(figure.limit);
    case Target::Below:
        return QLatin1String("< ") + QString::number(figure.limit);
    case Target::AtLeast:
        return QLatin1String(">= ") + QString::number(figure.limit);
    case Target::None:
        break;
    }
    return {};
}

QString machine()
{
    return QStringLiteral("%1, %2 CPUs, Qt %3")
            .arg(QSysInfo::prettyProductName())
            .arg(QThread::idealThreadCount())
            .arg(QLatin1String(qVersion()));
}

// Test code: the load of the machine, from Linux's /proc, so that a noisy run shows as one.
double loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return std::nan("");
    return file.readAll().split(' ').value(0).toDouble();
}

struct Load
{
    double start;
    double end;
};

void progress(const char *what)
{
    QTextStream(stderr) << "measuring " << what << "..." << Qt::endl;
}

// The groups of figures, in the order they run; --only picks some of them.
const QStringList Groups = {QStringLiteral("roundtrip"), QStringLiteral("transfer"),
                            QStringLiteral("speedup"),   QStringLiteral("stall"),
                            QStringLiteral("stop"),      QStringLiteral("orphan"),
                            QStringLiteral("cpu")};

QList<Figure> measureAll(const QString &folder, int runs, int heavyRuns, const QStringList &groups)
{
    QList<Figure> figures;
    if (groups.contains(QLatin1String("roundtrip"))) {
        progress("the round trip");
        const Measure::Roundtrip roundtrip = Measure::roundtrip(runs);
        figures << Figure {QStringLiteral("roundtrip_ms"), roundtrip.roundtripMs, 1}
                << Figure {QStringLiteral("spawn_floor_ms"), roundtrip.spawnFloorMs, 1}
                << Figure {QStringLiteral("roundtrip_ratio"),
                           roundtrip.roundtripMs / roundtrip.spawnFloorMs, 2, Target::AtMost, 1.5}
                << Figure {QStringLiteral("inprocess_us"), roundtrip.inProcessUs, 1};
    }
    if (groups.contains(QLatin1String("transfer"))) {
        progress("the transfer of a big result");
        const Measure::Transfer transfer = Measure::transfer(folder, heavyRuns);
        figures << Figure {QStringLiteral("transfer_mib_s"), transfer.transferMiBs, 0}
                << Figure {QStringLiteral("copy_mib_s"), transfer.copyMiBs, 0}
                << Figure {QStringLiteral("transfer_ratio"),
                           transfer.transferMiBs / transfer.copyMiBs, 2, Target::AtLeast, 0.5}
                << Figure {QStringLiteral("transfer_write_ms"), transfer.writeMs, 0}
                << Figure {QStringLiteral("transfer_read_ms"), transfer.readMs, 0};
    }
    if (groups.contains(QLatin1String("speedup"))) {
        progress("the speed-up of parallel workers");
        const Measure::Speedup speedup = Measure::speedup(heavyRuns);
        figures << Figure {QStringLiteral("speedup_2"), speedup.speedup2, 2, Target::AtLeast, 1.8}
                << Figure {QStringLiteral("speedup_n"), speedup.speedupN, 2};
    }
    if (groups.contains(QLatin1String("stall"))) {
        progress("the stalls of the window");
        const Measure::Stall stall = Measure::stall(heavyRuns);
        figures << Figure {QStringLiteral("max_stall_ms"), stall.maxStallMs, 1, Target::Below, 16}
                << Figure {QStringLiteral("idle_stall_ms"), stall.idleStallMs, 1};
    }
    if (groups.contains(QLatin1String("stop"))) {
        progress("crash detection and cancel");
        // The waiter warns of each worker killed here: expected, and no news.
        QLoggingCategory::setFilterRules(
                QStringLiteral(APP_NAME ".*.info=false\n" APP_NAME ".task.warning=false"));
        const Measure::Stop stop = Measure::stop(runs);
        QLoggingCategory::setFilterRules(QStringLiteral(APP_NAME ".*.info=false"));
        figures << Figure {QStringLiteral("crash_detect_ms"), stop.crashDetectMs, 1, Target::Below,
                           250}
                << Figure {QStringLiteral("cancel_ms"), stop.cancelMs, 1, Target::Below, 250}
                << Figure {QStringLiteral("worker_rss_mib"), stop.workerRssMiB, 1};
    }
    if (groups.contains(QLatin1String("orphan"))) {
        progress("the exit of orphans");
        const Measure::Orphan orphan = Measure::orphan(heavyRuns);
        figures << Figure {QStringLiteral("orphan_exit_ms"), orphan.orphanExitMs, 1, Target::Below,
                           1000}
                << Figure {QStringLiteral("app_rss_mib"), orphan.appRssMiB, 1};
    }
    if (groups.contains(QLatin1String("cpu"))) {
        progress("the CPU of waiting");
        figures << Figure {QStringLiteral("wait_cpu_pct"), Measure::waitCpuPercent(), 2,
                           Target::Below, 2};
    }
    return figures;
}

void printTable(const QList<Figure> &figures, int runs, int heavyRuns, const Load &load)
{
    QTextStream out(stdout);
    out << "longtaskrunnin benchmark on " << machine() << Qt::endl
        << "load average (1 min) " << load.start << " before, " << load.end << " after" << Qt::endl
        << "medians of " << runs << " runs (" << heavyRuns
        << " for the big result, the speed-up, the stalls and the orphans)" << Qt::endl
        << Qt::endl;
    out << QStringLiteral("%1 %2  %3 %4")
                    .arg(QLatin1String("figure"), -16)
                    .arg(QLatin1String("value"), 10)
                    .arg(QLatin1String("target"), -8)
                    .arg(QLatin1String("result"))
        << Qt::endl;
    for (const Figure &figure : figures) {
        const QString result = figure.target == Target::None ? QString()
                : isMet(figure)                              ? QStringLiteral("pass")
                                                             : QStringLiteral("MISS");
        out << QStringLiteral("%1 %2  %3 %4")
                        .arg(figure.key, -16)
                        .arg(figure.value, 10, 'f', figure.decimals)
                        .arg(targetText(figure), -8)
                        .arg(result)
                        .trimmed()
            << Qt::endl;
    }
}

void printJson(const QList<Figure> &figures, int runs, int heavyRuns, const Load &load)
{
    QJsonObject object;
    object.insert(QStringLiteral("load_average_before"), load.start);
    object.insert(QStringLiteral("load_average_after"), load.end);
    object.insert(QStringLiteral("machine"), QSysInfo::prettyProductName());
    object.insert(QStringLiteral("cpu_count"), QThread::idealThreadCount());
    object.insert(QStringLiteral("qt_version"), QLatin1String(qVersion()));
    object.insert(QStringLiteral("runs"), runs);
    object.insert(QStringLiteral("heavy_runs"), heavyRuns);
    QJsonObject targets;
    QJsonArray missed;
    for (const Figure &figure : figures) {
        // JSON has no NaN: a figure that could not be measured is null.
        object.insert(figure.key,
                      std::isnan(figure.value) ? QJsonValue() : QJsonValue(figure.value));
        if (figure.target == Target::None)
            continue;
        targets.insert(figure.key, targetText(figure));
        if (!isMet(figure))
            missed.append(figure.key);
    }
    object.insert(QStringLiteral("targets"), targets);
    object.insert(QStringLiteral("missed"), missed);
    QTextStream(stdout) << QJsonDocument(object).toJson(QJsonDocument::Indented);
}
} // namespace

int main(int argc, char *argv[])
{
    // The modes in which the measurements start this binary again.
    if (argc > 1 && qstrcmp(argv[1], "--worker") == 0)
        return Measure::runRelay(argc, argv);
    if (argc > 1 && qstrcmp(argv[1], "--host") == 0)
        return Measure::runHost(argc, argv);

    // Every file of every task, ours and our host apps', goes to a folder of our own, which is
    // removed at the end: TMPDIR and the runtime folder are inherited by all the processes.
    QTemporaryDir temp;
    if (!temp.isValid()) {
        QTextStream(stderr) << "cannot create a temporary folder: " << temp.errorString()
                            << Qt::endl;
        return 1;
    }
    qputenv("TMPDIR", QFile::encodeName(temp.path()));
    if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
        const QString runtime = temp.filePath(QStringLiteral("runtime"));
        QDir().mkdir(runtime);
        QFile::setPermissions(
                runtime, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        qputenv("XDG_RUNTIME_DIR", QFile::encodeName(runtime));
    }
    // The window is measured, not watched: no display needed unless one is asked for.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");

    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral(APP_NAME "_bench"));
    QLoggingCategory::setFilterRules(QStringLiteral(APP_NAME ".*.info=false"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Measures the real machinery of " APP_NAME
                                                    " and prints its figures and targets."));
    parser.addHelpOption();
    const QCommandLineOption jsonOption(
            QStringLiteral("json"), QStringLiteral("Print one JSON object instead of a table."));
    const QCommandLineOption runsOption(
            QStringLiteral("runs"),
            QStringLiteral("Repetitions of the cheap measurements (default 15); the heavy ones "
                           "repeat a third as often, at least once."),
            QStringLiteral("n"), QStringLiteral("15"));
    const QCommandLineOption onlyOption(
            QStringLiteral("only"),
            QStringLiteral("Measure only these groups, comma-separated: %1.")
                    .arg(Groups.join(QLatin1String(", "))),
            QStringLiteral("groups"), Groups.join(QLatin1Char(',')));
    parser.addOption(jsonOption);
    parser.addOption(runsOption);
    parser.addOption(onlyOption);
    parser.process(app);
    bool ok = false;
    const int runs = parser.value(runsOption).toInt(&ok);
    if (!ok || runs < 1) {
        QTextStream(stderr) << "--runs takes a whole number above 0" << Qt::endl;
        return 1;
    }
    const int heavyRuns = qMax(1, runs / 3);
    const QStringList groups = parser.value(onlyOption).split(QLatin1Char(','));
    for (const QString &group : groups) {
        if (!Groups.contains(group)) {
            QTextStream(stderr) << "--only takes " << Groups.join(QLatin1String(", ")) << Qt::endl;
            return 1;
        }
    }

    Load load {loadAverage(), 0};
    const QList<Figure> figures = measureAll(temp.path(), runs, heavyRuns, groups);
    load.end = loadAverage();
    if (parser.isSet(jsonOption))
        printJson(figures, runs, heavyRuns, load);
    else
        printTable(figures, runs, heavyRuns, load);
    return 0;
}
