#include "staffeln/coordination/file_locks.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cctype>
#include <cstring>

namespace staffeln::coordination {
namespace {

namespace fs = std::filesystem;

// tooz's file driver names a lock's file after the lock, and upstream Staffeln prefixes its names.
constexpr std::string_view kLockFilePrefix = "staffeln-";

class FileLock : public Lock {
public:
    FileLock(int fd, fs::path path) : fd_(fd), path_(std::move(path)) {}
    ~FileLock() override {
        // Unlink before unlocking: whoever waits on this inode then sees it gone and retries.
        ::unlink(path_.c_str());
        ::close(fd_);
    }
    bool held() const override { return true; }

private:
    int fd_;
    fs::path path_;
};

bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 200) return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
    return name != "." && name != "..";
}

// True when fd still is the file at path (not unlinked or replaced since it was opened).
bool still_linked(int fd, const fs::path& path) {
    struct stat by_fd {
    }, by_path{};
    if (::fstat(fd, &by_fd) != 0 || ::stat(path.c_str(), &by_path) != 0) return false;
    return by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev;
}

}  // namespace

Result<std::unique_ptr<FileLocks>> FileLocks::open(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
            return make_error(ErrorKind::io,
                              fmt::format("cannot create lock directory {}: {}", dir.string(), std::strerror(errno)));
    } else if (!fs::is_directory(dir, ec)) {
        return make_error(ErrorKind::io, fmt::format("lock directory {} is not a directory", dir.string()));
    }
    return std::unique_ptr<FileLocks>(new FileLocks(dir));
}

Result<std::unique_ptr<Lock>> FileLocks::try_lock(const std::string& name) {
    if (!valid_name(name)) return make_error(ErrorKind::invalid_input, fmt::format("invalid lock name '{}'", name));
    fs::path path = dir_ / (std::string(kLockFilePrefix) + name);
    for (int attempt = 0; attempt < 10; ++attempt) {
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            return make_error(ErrorKind::io,
                              fmt::format("cannot open lock file {}: {}", path.string(), std::strerror(errno)));
        struct flock whole_file {};
        whole_file.l_type = F_WRLCK;
        whole_file.l_whence = SEEK_SET;  // l_start 0, l_len 0: the whole file, as lockf(F_LOCK, 0) takes it
        if (::fcntl(fd, F_OFD_SETLK, &whole_file) != 0) {
            int err = errno;
            ::close(fd);
            if (err == EAGAIN || err == EACCES)
                return make_error(ErrorKind::conflict, fmt::format("lock {} is held by another process", name));
            return make_error(ErrorKind::io, fmt::format("cannot lock {}: {}", path.string(), std::strerror(err)));
        }
        if (still_linked(fd, path)) return std::unique_ptr<Lock>(new FileLock(fd, path));
        ::close(fd);  // the holder released and unlinked it between our open and our lock
    }
    return make_error(ErrorKind::conflict, fmt::format("lock {} changed hands too often; try again", name));
}

}  // namespace staffeln::coordination
