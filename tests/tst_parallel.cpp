#include <QtTest>
class tst_parallel : public QObject { Q_OBJECT };
QTEST_MAIN(tst_parallel)
#include "tst_parallel.moc"
