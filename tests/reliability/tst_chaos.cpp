// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// The chaos rounds of issue 10. Each round starts the app as a process of its own (runHostApp():
// the real window, the real waiter, the test worker), presses Start with 1 to 3 workers, and at a
// random moment does one random thing to it: kill -9 the app, kill -9 a worker, stop a worker and
// press Cancel, Quit, press Start many times, or nothing (the task completes). Then it counts what
// must never happen: orphans (workers of ours that still run once the round settled), task folders
// left (those of a killed app: once the next round's Start swept), app crashes (the app ending by
// a signal the test did not send, or hanging), and wrong results (a success whose bytes differ
// from the test worker's result). It prints the four counts and fails unless all are 0.
//
//   CHAOS_ROUNDS  the number of rounds (default 30, about 30 s; run 100 or more by hand)
//   CHAOS_SEED    replays the rounds of an earlier run, whose seed it printed

#include "reliability.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

namespace {
enum Action { KillApp, KillWorker, StopWorkerAndCancel, Quit, StartSpam, Complete, Actions };
const char *const ActionNames[Actions] = {
        "kill -9 the app",      "kill -9 a worker",     "stop a worker, then Cancel", "Quit",
        "press Start 30 times", "let the task complete"};
// When the test acts: at once after pressing Start, once the workers were started, once every
// worker runs its job.
enum Moment { AtOnce, Started, Working, Moments };
const char *const MomentNames[Moments] = {"at once", "once started", "once working"};

// How long a round may wait for each step: enough on a loaded machine, and the rounds are bounded.
constexpr int StepTimeout = 30000;
// How long workers may take to end once their app ended or gave up on them: a worker sees its
// app die within 20 ms, and the app kills a stopped one before its task ends.
constexpr int SettleTime = 10000;

int environmentNumber(const char *name, int fallback)
{
    bool ok = false;
    const int value = qEnvironmentVariableIntValue(name, &ok);
    return ok ? value : fallback;
}

struct Counts
{
    int orphans = 0;
    int foldersLeft = 0;
    int appCrashes = 0;
    int wrongResults = 0;
};
} // namespace

class tst_Chaos : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void randomKillsStopsQuitsAndStartsLeaveNothingWrong();

private:
    void runRound(int round, QRandomGenerator *random);
    void act(Action action, HostApp *app, QList<qint64> *pids, QRandomGenerator *random);
    void countWrongResults(HostApp *app, int workers);
    void countOrphans();
    void countFoldersLeft(bool appKilled);
    void countPendingFolders();

    QTemporaryDir m_base; // everything the test makes, made before TMPDIR changes
    QString m_temp; // the apps' TMPDIR, the same for every round
    QStringList m_pending; // folders left by a killed app, for the next Start to sweep
    Counts m_counts;
};

void tst_Chaos::initTestCase()
{
    QVERIFY2(m_base.isValid(), qPrintable(m_base.errorString()));
    m_temp = m_base.filePath(QStringLiteral("tmp"));
    QVERIFY(QDir().mkpath(m_temp));
    m_temp = QDir(m_temp).canonicalPath();
    qputenv("TMPDIR", QFile::encodeName(m_temp));
}

void tst_Chaos::randomKillsStopsQuitsAndStartsLeaveNothingWrong()
{
    const int rounds = environmentNumber("CHAOS_ROUNDS", 30);
    const quint32 seed = quint32(
            environmentNumber("CHAOS_SEED", int(QRandomGenerator::system()->bounded(1u << 30))));
    qInfo("%d rounds, seed %u (CHAOS_SEED=%u CHAOS_ROUNDS=%d replays them)", rounds, seed, seed,
          rounds);
    // The apps' and workers' logging of every start and end would drown the rounds' lines.
    ScopedEnv quiet("QT_LOGGING_RULES", APP_NAME ".*.info=false");
    QRandomGenerator random(seed);
    QElapsedTimer clock;
    clock.start();
    const qint64 limit = (60 + 10 * qint64(rounds)) * 1000; // far more than the rounds need
    int round = 0;
    for (; round < rounds && !clock.hasExpired(limit); ++round)
        runRound(round, &random);
    // A last app, whose Start sweeps what the last round's killed app may have left.
    if (!m_pending.isEmpty()) {
        HostApp app;
        QVERIFY(app.start(1, m_base.filePath(QStringLiteral("runtime"))));
        app.send("start");
        QVERIFY(app.next("idle", StepTimeout));
        countPendingFolders();
        app.send("quit");
        QVERIFY(app.waitForExit());
    }

    qInfo("%d of %d rounds in %lld s", round, rounds, clock.elapsed() / 1000);
    qInfo("orphans %d, folders left %d, app crashes %d, wrong results %d", m_counts.orphans,
          m_counts.foldersLeft, m_counts.appCrashes, m_counts.wrongResults);
    if (round < rounds)
        qWarning("time ran out after %d of %d rounds", round, rounds);
    QCOMPARE(m_counts.orphans, 0);
    QCOMPARE(m_counts.foldersLeft, 0);
    QCOMPARE(m_counts.appCrashes, 0);
    QCOMPARE(m_counts.wrongResults, 0);
}

void tst_Chaos::runRound(int round, QRandomGenerator *random)
{
    const int workers = int(random->bounded(1, 4));
    const auto action = Action(random->bounded(int(Actions)));
    const auto moment = Moment(random->bounded(int(Moments)));
    const int millis = int(random->bounded(50, 1500));
    ScopedEnv jobMillis("TESTWORKER_MILLIS", QByteArray::number(millis));

    HostApp app;
    if (!app.start(workers, m_base.filePath(QStringLiteral("runtime")),
                   QProcess::SeparateChannels)) {
        qWarning("round %d: the app did not start", round + 1);
        ++m_counts.appCrashes;
        return;
    }
    app.send("start");
    QList<qint64> pids;
    if (moment != AtOnce || action == KillWorker || action == StopWorkerAndCancel) {
        if (const auto started = app.next("pids", StepTimeout))
            pids = HostApp::pidsOf(*started);
        countPendingFolders(); // the sweep runs before the workers start
    }
    if (moment == Working && !pids.isEmpty()) {
        const bool working = QTest::qWaitFor(
                [&] {
                    return !app.all("idle").isEmpty()
                            || logsContaining(m_temp, "testworker: pid ") >= workers;
                },
                StepTimeout);
        Q_UNUSED(working) // a quick task may have ended: the action then finds it ended
    }
    act(action, &app, &pids, random);

    const bool killed = action == KillApp;
    if (!killed) {
        app.send("quit");
        if (!app.waitForExit(StepTimeout)) {
            qWarning("round %d: the app hangs on Quit", round + 1);
            ++m_counts.appCrashes;
            app.process().kill();
            app.waitForExit();
        }
    }
    const QByteArrayList ends = app.all("idle");
    QString end = killed     ? QStringLiteral("app killed")
            : ends.isEmpty() ? QStringLiteral("no task ended")
                             : decodedText(ends.constLast());
    if (!killed
        && (app.process().exitStatus() != QProcess::NormalExit || app.process().exitCode() != 0)) {
        ++m_counts.appCrashes;
        end = QStringLiteral("APP CRASHED (%1 %2): %3")
                      .arg(app.process().exitStatus() == QProcess::CrashExit
                                   ? QStringLiteral("signal")
                                   : QStringLiteral("exit code"))
                      .arg(app.process().exitCode())
                      .arg(QString::fromLocal8Bit(app.process().readAllStandardError()));
    }
    qInfo("round %d: %d worker(s), jobs of %d ms, %s %s: %s", round + 1, workers, millis,
          ActionNames[action], MomentNames[moment], qUtf8Printable(end));
    countWrongResults(&app, workers);
    countOrphans();
    countFoldersLeft(killed);
}

void tst_Chaos::act(Action action, HostApp *app, QList<qint64> *pids, QRandomGenerator *random)
{
    const qint64 victim = pids->isEmpty() ? 0 : pids->at(random->bounded(int(pids->size())));
    switch (action) {
    case KillApp:
        app->process().kill();
        app->waitForExit();
        return;
    case KillWorker:
        if (victim)
            ::kill(pid_t(victim), SIGKILL);
        break;
    case StopWorkerAndCancel:
        if (victim)
            stopProcess(victim, StepTimeout);
        app->send("cancel");
        break;
    case Quit:
        return; // every round but a killed app's ends with Quit
    case StartSpam:
        app->send("spam 30");
        break;
    case Complete:
    case Actions:
        break;
    }
    app->send("wait");
    app->next("waited", StepTimeout);
}

// Each success holds each worker's result, as the test worker made it.
void tst_Chaos::countWrongResults(HostApp *app, int workers)
{
    for (const QByteArray &report : app->all("succeeded")) {
        if (HostApp::resultsOf(report) != QList<QByteArray>(workers, defaultResultBytes())) {
            qWarning("a wrong result: %s", report.constData());
            ++m_counts.wrongResults;
        }
    }
}

// Workers of ours that still run once every app of the round ended and the workers had time to
// see it: stopped ones too. They are killed, so that they count once.
void tst_Chaos::countOrphans()
{
    const auto settled = [this] { return processesMentioning(m_base.path()).isEmpty(); };
    if (QTest::qWaitFor(settled, SettleTime))
        return;
    for (qint64 pid : processesMentioning(m_base.path())) {
        qWarning("an orphan: pid %lld, state %c, %s", pid, processStateOf(pid),
                 readAll(QStringLiteral("/proc/%1/cmdline").arg(pid))
                         .replace('\0', ' ')
                         .constData());
        ++m_counts.orphans;
        ::kill(pid_t(pid), SIGKILL);
        ::kill(pid_t(pid), SIGCONT);
    }
}

// Whatever is left in TMPDIR once the round settled: a killed app's folders wait for the next
// Start, anything else is left for good.
void tst_Chaos::countFoldersLeft(bool appKilled)
{
    const QStringList left = filesIn(m_temp);
    if (appKilled) {
        m_pending << left;
        return;
    }
    for (const QString &name : left) {
        qWarning("left: %s: %s", qUtf8Printable(name),
                 qUtf8Printable(filesIn(m_temp + u'/' + name).join(u' ')));
        ++m_counts.foldersLeft;
        QDir(m_temp + u'/' + name).removeRecursively();
    }
}

// A killed app's folders that a later app's Start did not sweep.
void tst_Chaos::countPendingFolders()
{
    for (const QString &name : std::as_const(m_pending)) {
        const QString path = m_temp + u'/' + name;
        if (QFileInfo::exists(path)) {
            qWarning("not swept: %s: %s", qUtf8Printable(name),
                     qUtf8Printable(filesIn(path).join(u' ')));
            ++m_counts.foldersLeft;
            QDir(path).removeRecursively();
        }
    }
    m_pending.clear();
}

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    if (argc == 3 && qstrcmp(argv[1], "--host") == 0)
        return runHostApp(QByteArray(argv[2]).toInt());
    tst_Chaos test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_chaos.moc"
