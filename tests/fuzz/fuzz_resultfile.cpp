// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// libFuzzer target for DataFile::readResult, the reader of the one kind of file the app did not
// write: a worker's result file, which a crashing, killed or buggy worker may have left in any
// state. Its decode reads what TestJob reads, a QString. No byte sequence may crash it, leak, or
// make it allocate far more than the file's size. Run by .ci/fuzz, whose seeds
// (tests/fuzz/make-seeds.sh) are the test worker's result files, good and broken, all with this
// target's token, so that the fuzzer starts past the token check.

#include "worker.h"

#include <QBuffer>
#include <QDataStream>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {
const QByteArray Token = "fuzz-token"; // as in make-seeds.sh and resultfile.dict

QString readFile(const QByteArray &bytes, QString *result, bool *decoded)
{
    QBuffer buffer;
    buffer.setData(bytes);
    if (!buffer.open(QIODevice::ReadOnly))
        std::abort();
    return DataFile::readResult(&buffer, Token, [&](QDataStream &in) {
        in >> *result;
        *decoded = true;
    });
}

void check(bool condition) // a failed check is a finding: abort() makes libFuzzer save the input
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
    QString result;
    bool decoded = false;
    const QString error = readFile(bytes, &result, &decoded);

    // What the waiter relies on: a result is accepted only once decoded, and is no bigger than
    // the file.
    if (!error.isEmpty())
        return 0;
    check(decoded);
    check(result.size() * 2 <= bytes.size());

    // What was accepted survives a round trip through the worker's format unchanged.
    QByteArray written;
    {
        QBuffer out(&written);
        check(out.open(QIODevice::WriteOnly));
        QDataStream stream(&out);
        DataFile::writeHeader(stream, Token);
        stream << quint8(1) << result; // the state Done, then the result
        check(stream.status() == QDataStream::Ok);
    }
    QString again;
    bool againDecoded = false;
    check(readFile(written, &again, &againDecoded).isEmpty());
    check(again == result && again.isNull() == result.isNull());
    return 0;
}
