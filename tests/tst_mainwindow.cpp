// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#include "testsupport.h"

#include <QtTest>

class tst_MainWindow : public QObject
{
    Q_OBJECT

private slots:
    void startShowsDone();
};

void tst_MainWindow::startShowsDone()
{
    auto window = newWindow();
    QSignalSpy succeeded(waiterOf(window.get()), &Waiter::succeeded);
    click(window.get(), "startButton");
    QTRY_VERIFY_WITH_TIMEOUT(isIdle(window.get()), TaskTimeout);
    QCOMPARE(status(window.get()), QStringLiteral("Done."));
    QCOMPARE(succeeded.count(), 1);
    QCOMPARE(succeeded.at(0).at(0).value<QList<QByteArray>>(),
             QList<QByteArray> {defaultResultBytes()});
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
