#include "staffeln/regular_file.h"

#include "staffeln/text_safety.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

}  // namespace

Result<std::string> read_regular_file(const std::filesystem::path& path, std::string_view what, std::size_t max_bytes) {
    const std::string name = escape_control_chars(path.string());
    Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0) {
        int err = errno;
        return make_error(err == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                          fmt::format("{}: cannot read {}: {}", name, what, std::strerror(err)));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return make_error(ErrorKind::io, fmt::format("{}: cannot read {}: {}", name, what, std::strerror(errno)));
    if (S_ISDIR(st.st_mode))
        return make_error(ErrorKind::invalid_input, fmt::format("{}: is a directory, expected a {}", name, what));
    if (!S_ISREG(st.st_mode))
        return make_error(ErrorKind::invalid_input, fmt::format("{}: is {}; only a regular file is read as a {}", name,
                                                                file_type(st.st_mode), what));
    auto too_large = [&] {
        return make_error(ErrorKind::invalid_input,
                          fmt::format("{}: is larger than {}, the limit for a {}", name, size_text(max_bytes), what));
    };
    if (static_cast<std::size_t>(st.st_size) > max_bytes) return too_large();
    // The size fstat gave may be stale (a file being written) or 0 (/proc): the limit holds
    // for what is read, whatever it said.
    std::string text;
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return make_error(ErrorKind::io, fmt::format("{}: cannot read {}: {}", name, what, std::strerror(errno)));
        if (n == 0) return text;
        if (text.size() + static_cast<std::size_t>(n) > max_bytes) return too_large();
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

}  // namespace staffeln
