// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "mainwindow.h"

#include <QApplication>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QVBoxLayout>

#include <climits>

namespace {
constexpr int ProgressSteps = 1000;

// A label that shows data: plain text (never markup, whatever the data holds), selectable, and
// read by screen readers as its current text, since it has no fixed accessible name.
QLabel *newValueLabel(const QString &objectName)
{
    auto label = new QLabel;
    label->setObjectName(objectName);
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}

QPushButton *newButton(const QString &text, const QString &objectName)
{
    auto button = new QPushButton(text);
    button->setObjectName(objectName);
    return button;
}
} // namespace

// ==== YOUR TASK: BEGIN ===========================================================================
// The widgets that edit your TaskInput and show your TaskResult.

void MainWindow::createTaskWidgets(QFormLayout *inputs, QFormLayout *results,
                                   const TaskInput &input)
{
    m_task.trials = new QSpinBox;
    m_task.trials->setObjectName(QStringLiteral("trialsBox"));
    m_task.trials->setRange(1, INT_MAX);
    m_task.trials->setGroupSeparatorShown(true);
    m_task.trials->setValue(int(qMin<quint64>(input.trials, INT_MAX)));
    m_task.seed = new QSpinBox;
    m_task.seed->setObjectName(QStringLiteral("seedBox"));
    m_task.seed->setRange(0, INT_MAX);
    m_task.seed->setValue(int(qMin<quint32>(input.seed, INT_MAX)));
    inputs->addRow(tr("&Trials:"), m_task.trials);
    inputs->addRow(tr("S&eed:"), m_task.seed);

    m_task.result = newValueLabel(QStringLiteral("resultLabel"));
    results->addRow(tr("Result:"), m_task.result);
}

TaskInput MainWindow::taskInput() const
{
    TaskInput input;
    input.trials = quint64(m_task.trials->value());
    input.seed = quint32(m_task.seed->value());
    return input;
}

void MainWindow::showTaskResult(const TaskResult &result)
{
    m_task.result->setText(Task::describe(result));
}

void MainWindow::clearTaskResult()
{
    m_task.result->clear();
}
// ==== YOUR TASK: END =============================================================================

MainWindow::MainWindow(const TaskInput &input, QWidget *parent)
    : QMainWindow(parent), m_waiter(this)
{
    m_inputArea = new QWidget;
    auto inputs = new QFormLayout(m_inputArea);
    inputs->setContentsMargins(0, 0, 0, 0);
    auto results = new QFormLayout;
    createTaskWidgets(inputs, results, input);
    m_workersBox = new QSpinBox;
    m_workersBox->setObjectName(QStringLiteral("workersBox"));
    m_workersBox->setRange(1, qMax(1, QThread::idealThreadCount()));
    if (Task::Splittable)
        inputs->addRow(tr("&Workers:"), m_workersBox);
    else
        m_workersBox->hide();

    m_startButton = newButton(tr("&Start"), QStringLiteral("startButton"));
    m_cancelButton = newButton(tr("&Cancel"), QStringLiteral("cancelButton"));
    auto clickButton = newButton(tr("Click &me"), QStringLiteral("clickButton"));
    clickButton->setToolTip(tr("Counts your clicks: proof that the window never freezes."));
    auto quitButton = newButton(tr("&Quit"), QStringLiteral("quitButton"));
    m_progressBar = new QProgressBar;
    m_progressBar->setObjectName(QStringLiteral("progressBar"));
    m_progressBar->setAccessibleName(tr("Progress"));
    m_progressBar->setRange(0, ProgressSteps);
    m_timeLabel = newValueLabel(QStringLiteral("timeLabel"));
    m_pidsLabel = newValueLabel(QStringLiteral("pidsLabel"));
    m_clicksLabel = newValueLabel(QStringLiteral("clicksLabel"));
    m_statusLabel = newValueLabel(QStringLiteral("statusLabel"));
    results->addRow(tr("Time:"), m_timeLabel);
    results->addRow(tr("Worker pids:"), m_pidsLabel);

    auto taskButtons = new QHBoxLayout;
    taskButtons->addWidget(m_startButton);
    taskButtons->addWidget(m_cancelButton);
    taskButtons->addStretch();
    auto bottomButtons = new QHBoxLayout;
    bottomButtons->addWidget(clickButton);
    bottomButtons->addWidget(m_clicksLabel);
    bottomButtons->addStretch();
    bottomButtons->addWidget(quitButton);
    auto central = new QWidget;
    auto layout = new QVBoxLayout(central);
    layout->addWidget(m_inputArea);
    layout->addLayout(taskButtons);
    layout->addWidget(m_progressBar);
    layout->addLayout(results);
    layout->addStretch();
    layout->addLayout(bottomButtons);
    setCentralWidget(central);
    statusBar()->addWidget(m_statusLabel, 1);
    createActions();

    connect(m_startButton, &QPushButton::clicked, this, &MainWindow::start);
    connect(m_cancelButton, &QPushButton::clicked, &m_waiter, &Waiter::cancel);
    connect(clickButton, &QPushButton::clicked, this, &MainWindow::countClick);
    connect(quitButton, &QPushButton::clicked, this, &QWidget::close);
    connect(&m_waiter, &Waiter::workersStarted, this, &MainWindow::showStarted);
    connect(&m_waiter, &Waiter::progressChanged, this, &MainWindow::showProgress);
    connect(&m_waiter, &Waiter::succeeded, this, &MainWindow::showResults);
    connect(&m_waiter, &Waiter::failed, this, &MainWindow::showStatus);
    connect(&m_waiter, &Waiter::cancelled, this, [this] { showStatus(tr("Cancelled.")); });
    // Start comes back only once the waiter thread has ended: a click can never find it busy.
    connect(&m_waiter, &QThread::finished, this, [this] { setRunning(false); });

    setWindowTitle(QCoreApplication::applicationName());
    m_clicksLabel->setText(tr("Clicks: %1").arg(0));
    showStatus(tr("Ready."));
    setRunning(false);
}

void MainWindow::createActions()
{
    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    QAction *quitAction = fileMenu->addAction(tr("&Quit"), this, &QWidget::close);
    quitAction->setShortcut(Qt::CTRL | Qt::Key_Q); // QKeySequence::Quit is empty on some desktops
    quitAction->setStatusTip(tr("Quit, ending the task's workers"));
    QMenu *helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(tr("&About"), this, &MainWindow::about);
    helpMenu->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::setWorkerProgram(const QString &program)
{
    m_waiter.setWorkerProgram(program);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    m_waiter.cancel(); // the workers end now; the destructor waits for the waiter thread
    QMainWindow::closeEvent(event);
}

void MainWindow::start()
{
    QList<QStringList> arguments;
    QString error;
    if (!TaskGlue::workerArguments(taskInput(), m_workersBox->value(), &arguments, &error))
        return showStatus(error);
    setRunning(true);
    clearTaskResult();
    m_progressBar->setValue(0);
    m_timeLabel->clear();
    m_pidsLabel->clear();
    showStatus(tr("Starting..."));
    m_waiter.start(arguments);
}

void MainWindow::countClick()
{
    m_clicksLabel->setText(tr("Clicks: %1").arg(++m_clicks));
}

void MainWindow::showStarted(const QList<qint64> &pids)
{
    QStringList texts;
    for (qint64 pid : pids)
        texts << QString::number(pid);
    m_pidsLabel->setText(texts.join(QLatin1String(", ")));
    showStatus(pids.size() == 1 ? tr("Running in 1 worker process...")
                                : tr("Running in %1 worker processes...").arg(pids.size()));
}

void MainWindow::showProgress(qint64 done, qint64 total)
{
    m_progressBar->setValue(int(double(done) / double(total) * ProgressSteps));
}

void MainWindow::showResults(const QList<QByteArray> &results, double seconds)
{
    TaskResult result;
    QString error;
    if (!TaskGlue::combine(results, &result, &error))
        return showStatus(error);
    showTaskResult(result);
    m_timeLabel->setText(tr("%1 s").arg(QLocale().toString(seconds, 'f', 3)));
    showStatus(tr("Done."));
}

void MainWindow::showStatus(const QString &message)
{
    m_statusLabel->setText(message);
}

void MainWindow::setRunning(bool running)
{
    m_startButton->setEnabled(!running);
    m_cancelButton->setEnabled(running);
    m_inputArea->setEnabled(!running);
}

void MainWindow::about()
{
    QMessageBox::about(this, tr("About %1").arg(QCoreApplication::applicationName()),
                       tr("%1 %2\n\nRuns a long task in copies of itself, so that its window "
                          "never freezes.")
                               .arg(QCoreApplication::applicationName(),
                                    QCoreApplication::applicationVersion()));
}
