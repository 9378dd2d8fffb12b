#include "staffeln/private_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace staffeln {
namespace {

Status failed(const std::string& what, const std::filesystem::path& path) {
    return make_error(ErrorKind::io, fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(errno)));
}

Status write_all(int fd, std::string_view text, const std::filesystem::path& path) {
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failed("write", path);
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

}  // namespace

Status write_private_file(const std::filesystem::path& path, std::string_view text) {
    std::filesystem::path dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    thread_local std::mt19937_64 engine{std::random_device{}()};
    std::filesystem::path temp = dir / fmt::format(".{}.{:016x}.tmp", path.filename().string(), engine());
    int fd = ::open(temp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return failed("create", temp);
    Status written = write_all(fd, text, temp);
    if (written && ::fsync(fd) != 0) written = failed("fsync", temp);
    if (::close(fd) != 0 && written) written = failed("close", temp);
    if (written && ::rename(temp.c_str(), path.c_str()) != 0) written = failed("rename " + temp.string() + " to", path);
    if (!written) {
        ::unlink(temp.c_str());
        return written;
    }
    // The rename is durable once the directory is.
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return failed("open directory", dir);
    Status synced = ::fsync(dir_fd) == 0 ? Status{} : failed("fsync directory", dir);
    ::close(dir_fd);
    return synced;
}

}  // namespace staffeln
