// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// libFuzzer target for ResultFile::read: the app reads result files that a crashing, killed or
// buggy worker may have left in any state, so no byte sequence may crash it, leak, or make it
// allocate far more than the file's size. Run by .ci/fuzz.

#include "../expected.h"
#include "worker.h"

#include <QBuffer>
#include <QByteArray>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace {
bool readReport(const QByteArray &bytes, WorkerReport *report, QString *error)
{
    QBuffer buffer;
    buffer.setData(bytes);
    if (!buffer.open(QIODevice::ReadOnly))
        std::abort();
    return ResultFile::read(&buffer, report, error);
}

// Doubles compare bit for bit: a NaN read from a file is legal, and unequal to itself.
bool sameBits(double a, double b)
{
    return std::memcmp(&a, &b, sizeof a) == 0;
}

// A failed check is a finding: abort() makes libFuzzer save the input.
void check(bool condition)
{
    if (!condition)
        std::abort();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // fromRawData does not copy: ASan sees any read past the fuzzer's own buffer.
    const QByteArray bytes =
            QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    WorkerReport report;
    QString error;
    const bool ok = readReport(bytes, &report, &error);

    // The contract the waiter relies on: a failure always says why, a success never does.
    check(ok == error.isEmpty());
    if (!ok)
        return 0;

    // Whatever was accepted must survive a round trip through the writer unchanged: the reader
    // and the writer agree on the format.
    QByteArray written;
    {
        QBuffer out(&written);
        check(out.open(QIODevice::WriteOnly));
        check(ResultFile::write(&out, report));
    }
    WorkerReport again;
    QString againError;
    check(readReport(written, &again, &againError));
    check(again.pid == report.pid);
    check(again.error == report.error);
    check(sameBits(again.seconds, report.seconds));
    if (report.error.isEmpty()) { // an error report carries no result
        check(again.ballast == report.ballast);
        check(serialized(again.result) == serialized(report.result)); // knows no task's fields
    }
    return 0;
}
