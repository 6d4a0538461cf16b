// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "mainwindow.h"

#include <QComboBox>
#include <QDir>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace {
constexpr int ProgressSteps = 1000;

QLabel *newValueLabel(const QString &name, const QString &accessibleName)
{
    auto label = new QLabel;
    label->setObjectName(name);
    label->setAccessibleName(accessibleName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}
} // namespace

MainWindow::MainWindow(const TaskInput &input, QWidget *parent) : QWidget(parent), m_input(input)
{
    m_failureBox = new QComboBox;
    m_failureBox->setObjectName(QStringLiteral("failureBox"));
    m_failureBox->setAccessibleName(tr("Failure mode"));
    m_failureBox->addItem(tr("None: run the task"), int(Failure::None));
    m_failureBox->addItem(tr("Exception in the task"), int(Failure::Exception));
    m_failureBox->addItem(tr("Crash (segfault)"), int(Failure::Crash));
    m_failureBox->addItem(tr("Abort"), int(Failure::Abort));
    m_failureBox->addItem(tr("Exit without a result"), int(Failure::Exit));
    m_failureBox->addItem(tr("Hang (try Cancel)"), int(Failure::Hang));

    m_workersBox = new QSpinBox;
    m_workersBox->setObjectName(QStringLiteral("workersBox"));
    m_workersBox->setAccessibleName(tr("Workers"));
    m_workersBox->setRange(1, qMax(1, QThread::idealThreadCount()));

    m_startButton = new QPushButton(tr("&Start"));
    m_startButton->setObjectName(QStringLiteral("startButton"));
    m_cancelButton = new QPushButton(tr("&Cancel"));
    m_cancelButton->setObjectName(QStringLiteral("cancelButton"));
    auto clickButton = new QPushButton(tr("Click &me"));
    clickButton->setObjectName(QStringLiteral("clickButton"));
    clickButton->setToolTip(tr("Counts your clicks: proof that the window never freezes."));
    auto quitButton = new QPushButton(tr("&Quit"));
    quitButton->setObjectName(QStringLiteral("quitButton"));

    m_progressBar = new QProgressBar;
    m_progressBar->setObjectName(QStringLiteral("progressBar"));
    m_progressBar->setAccessibleName(tr("Progress"));
    m_progressBar->setRange(0, ProgressSteps);
    m_progressBar->setValue(0);

    m_resultLabel = newValueLabel(QStringLiteral("resultLabel"), tr("Result"));
    m_secondsLabel = newValueLabel(QStringLiteral("secondsLabel"), tr("Time"));
    m_pidsLabel = newValueLabel(QStringLiteral("pidsLabel"), tr("Worker processes"));
    m_fileLabel = newValueLabel(QStringLiteral("fileLabel"), tr("Result file"));
    m_statusLabel = newValueLabel(QStringLiteral("statusLabel"), tr("Status"));
    m_clicksLabel = newValueLabel(QStringLiteral("clicksLabel"), tr("Clicks"));
    m_statusLabel->setText(tr("Ready."));
    m_clicksLabel->setText(tr("Clicks: %1").arg(0));

    auto settings = new QFormLayout;
    settings->addRow(tr("&Failure mode:"), m_failureBox);
    settings->addRow(tr("&Workers:"), m_workersBox);

    auto taskButtons = new QHBoxLayout;
    taskButtons->addWidget(m_startButton);
    taskButtons->addWidget(m_cancelButton);
    taskButtons->addStretch();

    auto results = new QFormLayout;
    results->addRow(tr("Result:"), m_resultLabel);
    results->addRow(tr("Time:"), m_secondsLabel);
    results->addRow(tr("Worker pids:"), m_pidsLabel);
    results->addRow(tr("Result file:"), m_fileLabel);
    results->addRow(tr("Status:"), m_statusLabel);

    auto bottomButtons = new QHBoxLayout;
    bottomButtons->addWidget(clickButton);
    bottomButtons->addWidget(m_clicksLabel);
    bottomButtons->addStretch();
    bottomButtons->addWidget(quitButton);

    auto layout = new QVBoxLayout(this);
    layout->addLayout(settings);
    layout->addLayout(taskButtons);
    layout->addWidget(m_progressBar);
    layout->addLayout(results);
    layout->addStretch();
    layout->addLayout(bottomButtons);

    connect(m_startButton, &QPushButton::clicked, this, &MainWindow::start);
    connect(m_cancelButton, &QPushButton::clicked, &m_thread, &TaskThread::cancel);
    connect(clickButton, &QPushButton::clicked, this, &MainWindow::countClick);
    connect(quitButton, &QPushButton::clicked, this, &QWidget::close);

    connect(&m_thread, &TaskThread::workersStarted, this, &MainWindow::showStarted);
    connect(&m_thread, &TaskThread::progressChanged, this, &MainWindow::showProgress);
    connect(&m_thread, &TaskThread::succeeded, this, &MainWindow::showResult);
    connect(&m_thread, &TaskThread::failed, this, &MainWindow::showError);
    connect(&m_thread, &TaskThread::cancelled, this, &MainWindow::showCancelled);

    setWindowTitle(QCoreApplication::applicationName());
    setRunning(false);
    resize(560, 360);
}

void MainWindow::setWorkerProgram(const QString &program)
{
    m_thread.setWorkerProgram(program);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    // Ends the workers now; the thread itself is waited for when the window is destroyed.
    m_thread.cancel();
    QWidget::closeEvent(event);
}

void MainWindow::start()
{
    setRunning(true);
    m_progressBar->setValue(0);
    m_resultLabel->clear();
    m_secondsLabel->clear();
    m_pidsLabel->clear();
    m_fileLabel->clear();
    m_statusLabel->setText(tr("Starting..."));
    m_thread.start(m_input, m_workersBox->value(), Failure(m_failureBox->currentData().toInt()));
}

void MainWindow::countClick()
{
    m_clicksLabel->setText(tr("Clicks: %1").arg(++m_clicks));
}

void MainWindow::showStarted(const QList<qint64> &pids, const QStringList &resultFiles)
{
    QStringList pidTexts;
    for (qint64 pid : pids)
        pidTexts << QString::number(pid);
    m_pidsLabel->setText(pidTexts.join(QLatin1String(", ")));
    m_fileLabel->setText(QDir::toNativeSeparators(resultFiles.join(QLatin1String(", "))));
    m_statusLabel->setText(pids.size() == 1
                                   ? tr("Running in 1 worker process...")
                                   : tr("Running in %1 worker processes...").arg(pids.size()));
}

void MainWindow::showProgress(qint64 done, qint64 total)
{
    m_progressBar->setValue(int(double(done) / double(total) * ProgressSteps));
}

void MainWindow::showResult(const TaskResult &result, double seconds)
{
    m_resultLabel->setText(Task::describe(result));
    m_secondsLabel->setText(tr("%1 s").arg(QLocale().toString(seconds, 'f', 3)));
    m_statusLabel->setText(tr("Done."));
    setRunning(false);
}

void MainWindow::showError(const QString &message)
{
    m_statusLabel->setText(message);
    setRunning(false);
}

void MainWindow::showCancelled()
{
    m_statusLabel->setText(tr("Cancelled."));
    setRunning(false);
}

void MainWindow::setRunning(bool running)
{
    m_startButton->setEnabled(!running);
    m_cancelButton->setEnabled(running);
    m_failureBox->setEnabled(!running);
    m_workersBox->setEnabled(!running);
}
