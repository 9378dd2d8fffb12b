// Reads a whole file that configures staffeln (INI, template, clouds.yaml) without ever
// blocking: opened O_NONBLOCK|O_CLOEXEC and checked by fstat on the opened descriptor, so a
// FIFO, a device, a directory or a file over max_bytes is refused with an error naming the
// path (made printable) and, for size, the limit. A missing file is ErrorKind::not_found.
#pragma once

#include "staffeln/result.h"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace staffeln {

constexpr std::size_t kMaxConfigFileBytes = 1024 * 1024;

// what names the file's role in errors: "configuration file", "report template".
Result<std::string> read_regular_file(const std::filesystem::path& path, std::string_view what,
                                      std::size_t max_bytes = kMaxConfigFileBytes);
// The first bytes of a file (up to count, fewer when it is shorter), opened and refused as
// above but without a size limit: for a file another library opens by name next (a database's
// header), so that a FIFO or a device is refused before that library would wait on it.
Result<std::string> read_regular_file_start(const std::filesystem::path& path, std::string_view what,
                                            std::size_t count);

}  // namespace staffeln
