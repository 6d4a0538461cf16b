// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef MAINWINDOW_H
#define MAINWINDOW_H

#include "worker.h"

#include <QMainWindow>

QT_BEGIN_NAMESPACE
class QFormLayout;
class QLayout;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
QT_END_NAMESPACE

// ==== YOUR TASK: BEGIN ===========================================================================
QT_BEGIN_NAMESPACE
class QLabel;
class QSpinBox;
QT_END_NAMESPACE

// Your task's widgets in the window: they edit its TaskInput and show its TaskResult.
struct TaskWidgets
{
    QSpinBox *trials = nullptr;
    QSpinBox *seed = nullptr;
    QLabel *result = nullptr;
};
// ==== YOUR TASK: END =============================================================================

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);

    // Tests point this at another binary; the default is this program itself.
    void setWorkerProgram(const QString &program);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    // Your task's part of the window (mainwindow.cpp, "YOUR TASK").
    void createTaskWidgets(QFormLayout *inputs, QFormLayout *results);
    TaskInput taskInput() const;
    void showTaskResult(const TaskResult &result);
    void clearTaskResult();

    QWidget *createWidgets();
    QLayout *createBottomRow();
    void createActions();
    void start();
    void showStarted(const QList<qint64> &pids);
    void showResults(const QList<QByteArray> &results, double seconds);
    void setRunning(bool running);

    Waiter m_waiter;
    int m_clicks = 0;

    TaskWidgets m_task;

    QWidget *m_inputArea = nullptr; // your task's input widgets and the Workers box
    QSpinBox *m_workersBox = nullptr;
    QPushButton *m_startButton = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QProgressBar *m_progressBar = nullptr;
    QLabel *m_timeLabel = nullptr;
    QLabel *m_pidsLabel = nullptr;
    QLabel *m_clicksLabel = nullptr;
    QLabel *m_statusLabel = nullptr;
};

#endif // MAINWINDOW_H
