// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef MAINWINDOW_H
#define MAINWINDOW_H

#include "worker.h"

#include <QMainWindow>

QT_BEGIN_NAMESPACE
class QFormLayout;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QVBoxLayout;
QT_END_NAMESPACE

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);
    Waiter *waiter() { return &m_waiter; }

private:
    void createTaskWidgets(QFormLayout *inputs, QVBoxLayout *results); // your task's part
    QWidget *createWidgets();
    QLayout *createBottomRow();
    void createActions();
    void start();
    void showResult(const QVariant &result, double seconds);
    void showStatus(const QString &message);
    void setRunning(bool running);

    Waiter m_waiter;
    // Set by createTaskWidgets(): what reads a TaskInput from the task's widgets, and what shows a
    // TaskResult in them and the seconds it took (or clears them, given nullptr).
    std::function<TaskInput()> m_taskInput;
    std::function<void(const TaskResult *result, double seconds)> m_showTaskResult;
    QWidget *m_inputArea = nullptr; // the task's input widgets and the Workers box
    QSpinBox *m_workersBox = nullptr;
    QPushButton *m_startButton = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QProgressBar *m_progressBar = nullptr;
    QLabel *m_progressLabel = nullptr;
    QLabel *m_statusLabel = nullptr;
};

#endif // MAINWINDOW_H
