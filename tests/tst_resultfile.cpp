#include <QtTest>
class tst_resultfile : public QObject { Q_OBJECT };
QTEST_MAIN(tst_resultfile)
#include "tst_resultfile.moc"
