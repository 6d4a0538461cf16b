// SPDX-FileCopyrightText: 2026 The longtaskrunnin authors
// SPDX-License-Identifier: BSD-3-Clause

// libFuzzer target for DataFile::read, as both of its callers use it: the waiter reads result
// files that a crashing, killed or buggy worker may have left in any state, and a worker reads
// its input file, which anyone who can write to the task's folder may have damaged or replaced:
// one reader, one call (the device, the worker's token), so no byte sequence may crash it, leak,
// or make it allocate far more than the file's size. Run by .ci/fuzz, whose seeds
// (tests/fuzz/make-seeds.sh) are result files and the results of workers given input files, good
// and broken, all with this reader's token, so that the fuzzer starts past the token check.

#include "worker.h"

#include <QBuffer>
#include <QByteArray>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {
const QByteArray Token = "fuzz-token"; // as in make-seeds.sh and resultfile.dict

bool readFile(const QByteArray &bytes, DataFile::Contents *contents, QString *error)
{
    QBuffer buffer;
    buffer.setData(bytes);
    if (!buffer.open(QIODevice::ReadOnly))
        std::abort();
    return DataFile::read(&buffer, Token, contents, error);
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
    DataFile::Contents contents;
    QString error;
    const bool ok = readFile(bytes, &contents, &error);

    // The contract the waiter relies on: a failure always says why, a success never does; what
    // is accepted is of this run, and no bigger than the file. (A file may hold both a task's
    // error and a result, though the worker never writes both: the waiter then reports the error.)
    check(ok == error.isEmpty());
    if (!ok)
        return 0;
    check(contents.token == Token);
    check(contents.data.size() <= bytes.size());

    // Whatever was accepted survives a round trip through the writer unchanged: the reader and
    // the writer agree on the format.
    QByteArray written;
    {
        QBuffer out(&written);
        check(out.open(QIODevice::WriteOnly));
        check(DataFile::write(&out, contents));
    }
    DataFile::Contents again;
    QString againError;
    check(readFile(written, &again, &againError));
    check(again.error == contents.error);
    check(again.data == contents.data);
    return 0;
}
