#include "staffeln/log.h"

#include "staffeln/text_safety.h"
#include "staffeln/thread_annotations.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace staffeln::log {
namespace {

std::atomic<Level> g_level{Level::info};
Mutex g_mutex;
int g_fd GUARDED_BY(g_mutex) = STDERR_FILENO;

const char* name(Level level) {
    switch (level) {
        case Level::debug:
            return "DEBUG";
        case Level::info:
            return "INFO";
        case Level::warning:
            return "WARNING";
        case Level::error:
            return "ERROR";
    }
    return "?";
}

std::string timestamp() {
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::system_clock::to_time_t(now);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:03d}Z", buf, millis);
}

}  // namespace

void set_level(Level level) { g_level = level; }

bool enabled(Level level) { return level >= g_level.load(); }

Status to_file(const std::string& path) {
    // O_NONBLOCK: opening a FIFO nobody reads would wait for a reader (at start, or in the
    // conductor's main loop on SIGHUP, where SIGTERM would then go unheard); it fails at once
    // instead. A FIFO with a reader (/dev/stdout on a pipe) stays usable, and its writes wait
    // as writes to stderr do.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0600);
    if (fd < 0) {
        int err = errno;
        struct stat st {};
        bool unread_fifo = err == ENXIO && ::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
        return make_error(ErrorKind::io, fmt::format("cannot open log file {}: {}", path,
                                                     unread_fifo ? "no process reads this FIFO" : std::strerror(err)));
    }
    if (int flags = ::fcntl(fd, F_GETFL); flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        int err = errno;
        ::close(fd);
        return make_error(ErrorKind::io, fmt::format("cannot open log file {}: {}", path, std::strerror(err)));
    }
    MutexLock lock(g_mutex);
    if (g_fd != STDERR_FILENO) ::close(g_fd);
    g_fd = fd;
    return {};
}

void write(Level level, std::string_view component, std::string_view message) {
    // Messages carry the cloud's names and reasons: escaped here, once, so that one event stays
    // one line whatever a tenant puts in a server name.
    std::string line = fmt::format("{} {} ", timestamp(), name(level));
    append_escaped(line, component);
    line += ": ";
    append_escaped(line, message);
    line += '\n';
    MutexLock lock(g_mutex);
    // One write(2) per line keeps lines whole when several processes share the file.
    size_t done = 0;
    while (done < line.size()) {
        ssize_t n = ::write(g_fd, line.data() + done, line.size() - done);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
    }
}

std::string redact(std::string_view secret) { return secret.empty() ? "" : "***"; }

}  // namespace staffeln::log
