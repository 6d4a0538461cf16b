// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef MAINWINDOW_H
#define MAINWINDOW_H

#include "worker.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
QT_END_NAMESPACE

class MainWindow : public QWidget
{
    Q_OBJECT

public:
    explicit MainWindow(const TaskInput &input = {}, QWidget *parent = nullptr);

    // Tests point this at another binary; the default is this program itself.
    void setWorkerProgram(const QString &program);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void start();
    void countClick();
    void showStarted(const QList<qint64> &pids, const QStringList &resultFiles);
    void showProgress(qint64 done, qint64 total);
    void showResult(const TaskResult &result, double seconds);
    void showError(const QString &message);
    void showCancelled();
    void setRunning(bool running);

    TaskInput m_input;
    TaskThread m_thread;
    int m_clicks = 0;

    QComboBox *m_failureBox;
    QSpinBox *m_workersBox;
    QPushButton *m_startButton;
    QPushButton *m_cancelButton;
    QProgressBar *m_progressBar;
    QLabel *m_resultLabel;
    QLabel *m_secondsLabel;
    QLabel *m_pidsLabel;
    QLabel *m_fileLabel;
    QLabel *m_statusLabel;
    QLabel *m_clicksLabel;
};

#endif // MAINWINDOW_H
