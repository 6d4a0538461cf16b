// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

#ifndef TESTJOB_H
#define TESTJOB_H

// The tests' job, which the waiter runs in place of the window's: bytes in, text out, nothing of
// the task. Its input is split into at most `count` even slices, one per worker; each worker's
// result is a line of text (the test worker's mode says what it holds), and the job's result is
// those lines, in order, as a QStringList.

#include "worker.h"

#include <QCoreApplication>
#include <QDataStream>
#include <QThread>

#include <atomic>

class TestJob : public Job
{
public:
    explicit TestJob(QByteArray input = QByteArrayLiteral("test input")) : m_input(std::move(input))
    {}
    ~TestJob() override { noteThread(); }

    int split(int count) override
    {
        noteThread();
        ++splits;
        const qsizetype size = m_input.size() / count + (m_input.size() % count ? 1 : 0);
        for (qsizetype at = 0; at < m_input.size() || m_parts.isEmpty();
             at += qMax<qsizetype>(size, 1))
            m_parts << m_input.mid(at, size);
        m_input.clear();
        m_results.resize(m_parts.size());
        return int(m_parts.size());
    }
    void writeInput(int part, QDataStream &out) override
    {
        noteThread();
        out << m_parts[part];
        m_parts[part].clear();
    }
    void readResult(int part, QDataStream &in) override
    {
        noteThread();
        in >> m_results[part];
    }
    QVariant result() override
    {
        noteThread();
        return m_results;
    }

    // What the tests look at: how often split() was called, and whether any of the job's work
    // (splitting, writing, decoding, combining, freeing) ran on the GUI thread.
    static inline std::atomic<int> splits {0};
    static inline std::atomic<bool> ranOnGuiThread {false};

private:
    static void noteThread()
    {
        if (QThread::currentThread() == QCoreApplication::instance()->thread())
            ranOnGuiThread = true;
    }

    QByteArray m_input;
    QList<QByteArray> m_parts;
    QStringList m_results;
};

#endif // TESTJOB_H
