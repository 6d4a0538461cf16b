// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "mainwindow.h"

#include <QApplication>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QVBoxLayout>

namespace {
constexpr int ProgressSteps = 1000;

template<typename Widget>
Widget *named(Widget *widget, const char *objectName) // tests find widgets by object name
{
    widget->setObjectName(QLatin1String(objectName));
    return widget;
}

// A label that shows data: plain text (never markup, whatever the data holds), selectable, read
// by screen readers as its text, and never wider than the window: a long line is cut.
QLabel *newValueLabel(const char *objectName)
{
    auto label = named(new QLabel, objectName);
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setMinimumWidth(1);
    return label;
}
} // namespace

// ==== YOUR TASK: BEGIN ===========================================================================
// The widgets that edit your TaskInput and show your TaskResult, and the headers only they need.
// The window's own mnemonics are Alt+F, H, S, C, W, M and Q: give yours other letters.
#include <climits>

void MainWindow::createTaskWidgets(QFormLayout *inputs, QVBoxLayout *results)
{
    const TaskInput defaults;
    auto trials = named(new QSpinBox, "trialsBox");
    trials->setRange(1, INT_MAX);
    trials->setGroupSeparatorShown(true);
    trials->setValue(int(defaults.trials));
    auto seed = named(new QSpinBox, "seedBox");
    seed->setRange(0, INT_MAX);
    seed->setValue(int(defaults.seed));
    inputs->addRow(tr("&Trials:"), trials);
    inputs->addRow(tr("S&eed:"), seed);
    auto result = newValueLabel("resultLabel");
    result->setAlignment(Qt::AlignTop);
    results->addWidget(result);

    m_taskInput = [=] { return TaskInput {quint64(trials->value()), quint32(seed->value())}; };
    m_showTaskResult = [=](const TaskResult *shown, double seconds) {
        result->setText(
                shown ? tr("%1, in %2 s")
                                .arg(Task::describe(*shown), QLocale().toString(seconds, 'f', 2))
                      : QString());
    };
}
// ==== YOUR TASK: END =============================================================================

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent), m_waiter(this)
{
    setCentralWidget(createWidgets());
    createActions();
    statusBar()->addWidget(m_statusLabel = newValueLabel("statusLabel"), 1);
    m_statusLabel->setWordWrap(true); // on three lines, and whole in its tooltip
    m_statusLabel->setFixedHeight(m_statusLabel->fontMetrics().lineSpacing() * 3);

    connect(m_startButton, &QPushButton::clicked, this, &MainWindow::start);
    connect(m_cancelButton, &QPushButton::clicked, &m_waiter, &Waiter::cancel);
    connect(&m_waiter, &Waiter::workersStarted, this, [this](const QList<qint64> &pids) {
        QStringList texts;
        for (qint64 pid : pids)
            texts << QString::number(pid);
        showStatus(tr("Running: worker pids %1...").arg(texts.join(QLatin1String(", "))));
    });
    connect(&m_waiter, &Waiter::progressChanged, this,
            [this](qint64 done, qint64 total, const QString &text) {
                m_progressBar->setValue(
                        total > 0 ? int(double(done) / double(total) * ProgressSteps) : 0);
                m_progressLabel->setText(text.simplified());
            });
    connect(&m_waiter, &Waiter::succeeded, this, &MainWindow::showResult);
    connect(&m_waiter, &Waiter::failed, this, &MainWindow::showStatus);
    connect(&m_waiter, &Waiter::cancelled, this, [this] { showStatus(tr("Cancelled.")); });
    // Start comes back only once the waiter thread has ended: a click can never find it busy.
    connect(&m_waiter, &QThread::finished, this, [this] { setRunning(false); });

    setWindowTitle(QCoreApplication::applicationName());
    resize(560, 380);
    showStatus(tr("Ready."));
    setRunning(false);
}

QWidget *MainWindow::createWidgets()
{
    m_inputArea = new QWidget;
    auto inputs = new QFormLayout(m_inputArea);
    inputs->setContentsMargins({});
    auto results = new QVBoxLayout;
    createTaskWidgets(inputs, results);
    m_workersBox = named(new QSpinBox, "workersBox");
    m_workersBox->setRange(1, qMax(1, QThread::idealThreadCount()));
    inputs->addRow(tr("&Workers:"), m_workersBox);
    m_progressBar = named(new QProgressBar, "progressBar");
    m_progressBar->setRange(0, ProgressSteps);
    m_progressBar->setAccessibleName(tr("Progress")); // its value is read with it
    m_progressLabel = newValueLabel("progressLabel");
    auto taskButtons = new QHBoxLayout;
    taskButtons->addWidget(m_startButton = named(new QPushButton(tr("&Start")), "startButton"));
    taskButtons->addWidget(m_cancelButton = named(new QPushButton(tr("&Cancel")), "cancelButton"));
    taskButtons->addStretch();

    auto central = new QWidget;
    auto layout = new QVBoxLayout(central);
    layout->addWidget(m_inputArea);
    layout->addLayout(taskButtons);
    layout->addWidget(m_progressBar);
    layout->addWidget(m_progressLabel);
    layout->addLayout(results, 1); // the task's result grows with the window
    layout->addLayout(createBottomRow());
    return central;
}

// "Click me" counts clicks while a task runs: proof that the window never freezes.
QLayout *MainWindow::createBottomRow()
{
    auto clickButton = named(new QPushButton(tr("Click &me")), "clickButton");
    auto clicksLabel = newValueLabel("clicksLabel");
    clicksLabel->setText(tr("Clicks: %1").arg(0));
    connect(clickButton, &QPushButton::clicked, clicksLabel, [clicksLabel, clicks = 0]() mutable {
        clicksLabel->setText(tr("Clicks: %1").arg(++clicks));
    });
    auto quitButton = named(new QPushButton(tr("&Quit")), "quitButton");
    connect(quitButton, &QPushButton::clicked, this, &QWidget::close);
    auto row = new QHBoxLayout;
    row->addWidget(clickButton);
    row->addWidget(clicksLabel, 1);
    row->addWidget(quitButton);
    return row;
}

void MainWindow::createActions()
{
    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    QAction *quitAction = fileMenu->addAction(tr("&Quit"), this, &QWidget::close);
    quitAction->setShortcut(Qt::CTRL | Qt::Key_Q); // QKeySequence::Quit is empty on some desktops
    quitAction->setStatusTip(tr("Quit, ending the task's workers"));
    QMenu *helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::start()
{
    setRunning(true);
    m_showTaskResult(nullptr, 0);
    m_progressBar->setValue(0);
    m_progressLabel->clear();
    showStatus(tr("Starting..."));
    m_waiter.start(TaskGlue::newJob(m_taskInput()), m_workersBox->value());
}

// The result comes decoded and combined: the GUI thread only shows it (a test's has another type).
void MainWindow::showResult(const QVariant &result, double seconds)
{
    if (result.metaType() == QMetaType::fromType<TaskResult>())
        m_showTaskResult(static_cast<const TaskResult *>(result.constData()), seconds);
    m_progressBar->setValue(ProgressSteps);
    showStatus(tr("Done in %1 s.").arg(QLocale().toString(seconds, 'f', 3)));
    m_waiter.resultShown();
}

void MainWindow::showStatus(const QString &message)
{
    m_statusLabel->setText(message);
    m_statusLabel->setToolTip(message);
}

void MainWindow::setRunning(bool running)
{
    m_startButton->setEnabled(!running);
    m_cancelButton->setEnabled(running);
    m_inputArea->setEnabled(!running);
}
