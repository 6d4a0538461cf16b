#include <QtTest>
class tst_demotask : public QObject { Q_OBJECT };
QTEST_MAIN(tst_demotask)
#include "tst_demotask.moc"
