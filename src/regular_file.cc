#include "staffeln/regular_file.h"

#include "staffeln/text_safety.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace staffeln {
namespace {

const char* file_type(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

std::string size_text(std::size_t bytes) {
    if (bytes % (1024 * 1024) == 0) return fmt::format("{} MiB", bytes / (1024 * 1024));
    return fmt::format("{} bytes", bytes);
}

// An open descriptor and the fstat of it.
class OpenFile {
public:
    OpenFile() = default;
    OpenFile(OpenFile&& other) noexcept : fd(std::exchange(other.fd, -1)), st(other.st) {}
    OpenFile& operator=(OpenFile&&) = delete;
    OpenFile(const OpenFile&) = delete;
    OpenFile& operator=(const OpenFile&) = delete;
    ~OpenFile() {
        if (fd >= 0) ::close(fd);
    }
    int fd = -1;
    struct stat st {};
};

// Opens path without waiting (O_NONBLOCK: a FIFO with no writer opens at once) and judges the
// opened file by fstat, so that what is read is what was checked. No O_NOFOLLOW: packaging and
// Kubernetes ConfigMaps link configuration files; the type that counts is the target's.
Result<OpenFile> open_regular(const std::string& name, const std::filesystem::path& path, std::string_view what) {
    OpenFile file;
    file.fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (file.fd < 0) {
        int err = errno;
        return make_error(err == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                          fmt::format("{}: cannot read {}: {}", name, what, std::strerror(err)));
    }
    if (::fstat(file.fd, &file.st) != 0)
        return make_error(ErrorKind::io, fmt::format("{}: cannot read {}: {}", name, what, std::strerror(errno)));
    if (S_ISDIR(file.st.st_mode))
        return make_error(ErrorKind::invalid_input, fmt::format("{}: is a directory, expected a {}", name, what));
    if (!S_ISREG(file.st.st_mode))
        return make_error(ErrorKind::invalid_input, fmt::format("{}: is {}; only a regular file is read as a {}", name,
                                                                file_type(file.st.st_mode), what));
    return file;
}

// Reads until the end of the file or until more than limit bytes were read (then limit + 1).
Result<std::string> read_up_to(const std::string& name, int fd, std::string_view what, std::size_t limit) {
    std::string text;
    char buffer[65536];
    while (text.size() <= limit) {
        ssize_t n = ::read(fd, buffer, std::min(sizeof buffer, limit + 1 - text.size()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return make_error(ErrorKind::io, fmt::format("{}: cannot read {}: {}", name, what, std::strerror(errno)));
        if (n == 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
}

}  // namespace

Result<std::string> read_regular_file(const std::filesystem::path& path, std::string_view what, std::size_t max_bytes) {
    const std::string name = escape_control_chars(path.string());
    auto file = open_regular(name, path, what);
    if (!file) return file.error();
    auto too_large = [&] {
        return make_error(ErrorKind::invalid_input,
                          fmt::format("{}: is larger than {}, the limit for a {}", name, size_text(max_bytes), what));
    };
    if (static_cast<std::size_t>(file->st.st_size) > max_bytes) return too_large();
    // The size fstat gave may be stale (a file being written) or 0 (/proc): the limit holds
    // for what is read, whatever it said.
    auto text = read_up_to(name, file->fd, what, max_bytes);
    if (text && text->size() > max_bytes) return too_large();
    return text;
}

Result<std::string> read_regular_file_start(const std::filesystem::path& path, std::string_view what,
                                            std::size_t count) {
    const std::string name = escape_control_chars(path.string());
    auto file = open_regular(name, path, what);
    if (!file) return file.error();
    auto text = read_up_to(name, file->fd, what, count);
    if (text && text->size() > count) text->resize(count);
    return text;
}

}  // namespace staffeln
