#include "staffeln/log.h"

#include "staffeln/text_safety.h"
#include "staffeln/thread_annotations.h"

// The journal's CODE_FILE, CODE_LINE and CODE_FUNC would all name this file: left out.
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

namespace staffeln::log {
namespace {

std::atomic<Level> g_level{Level::info};
Mutex g_mutex;
int g_file GUARDED_BY(g_mutex) = -1;
std::string g_file_path GUARDED_BY(g_mutex);
Settings g_settings GUARDED_BY(g_mutex);
// syslog(3) keeps the ident pointer openlog was given.
std::string g_syslog_ident GUARDED_BY(g_mutex);

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return {};
    return name;
}

// One write(2) per line keeps lines whole when several processes share the file.
void write_all(int fd, std::string_view line) {
    size_t done = 0;
    while (done < line.size()) {
        ssize_t n = ::write(fd, line.data() + done, line.size() - done);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
    }
}

iovec field(const std::string& text) { return {const_cast<char*>(text.data()), text.size()}; }

// Native fields, as oslo.log's journal handler sends them: the line as MESSAGE, the priority,
// the facility and identifier syslog would carry, and the logger's name and level.
void send_to_journal(const std::string& text, const Record& record, const Settings& settings) {
    const std::string fields[] = {
        "MESSAGE=" + text,
        fmt::format("PRIORITY={}", syslog_priority(record.level)),
        fmt::format("SYSLOG_FACILITY={}", settings.syslog_facility),
        "SYSLOG_IDENTIFIER=" + settings.program,
        "LOGGER_NAME=" + logger_name(record.component),
        fmt::format("LOGGER_LEVEL={}", level_name(record.level)),
    };
    std::vector<iovec> iov;
    for (const auto& f : fields) iov.push_back(field(f));
    sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
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
    if (g_file >= 0) ::close(g_file);
    g_file = fd;
    g_file_path = path;
    return {};
}

Status configure(const Settings& settings) {
    Status opened;
    if (!settings.file.empty()) opened = to_file(settings.file);
    MutexLock lock(g_mutex);
    if (settings.file.empty() && g_file >= 0) {
        ::close(g_file);
        g_file = -1;
        g_file_path.clear();
    }
    if (settings.use_syslog) {
        g_syslog_ident = settings.program;
        ::openlog(g_syslog_ident.c_str(), 0, settings.syslog_facility << 3);
    } else if (g_settings.use_syslog) {
        ::closelog();
    }
    g_settings = settings;
    return opened;
}

Status reopen() {
    std::string path;
    {
        MutexLock lock(g_mutex);
        path = g_file_path;
    }
    if (path.empty()) return {};
    return to_file(path);
}

void write(Level level, std::string_view component, std::string_view message) {
    // Messages carry the cloud's names and reasons: escaped here, once, so that one event stays
    // one line whatever a tenant puts in a server name.
    std::string escaped_component, escaped_message;
    append_escaped(escaped_component, component);
    append_escaped(escaped_message, message);
    static const std::string hostname = host_name();
    const auto now = std::chrono::system_clock::now();
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t secs = std::chrono::system_clock::to_time_t(now);
    Record record{.millis = static_cast<int>(millis % 1000),
                  .created = static_cast<double>(millis) / 1000.0,
                  .process = static_cast<long>(::getpid()),
                  .thread = static_cast<long>(::gettid()),
                  .level = level,
                  .component = escaped_component,
                  .message = escaped_message,
                  .hostname = hostname};
    localtime_r(&secs, &record.local);
    MutexLock lock(g_mutex);
    const Settings& settings = g_settings;
    const std::string text = settings.use_json ? json_line(record) : oslo_line(record);
    const std::string line = text + '\n';
    if (g_file >= 0) write_all(g_file, line);
    if (settings.use_stderr || (g_file < 0 && !settings.use_journal)) write_all(STDERR_FILENO, line);
    if (settings.use_journal) send_to_journal(text, record, settings);
    if (settings.use_syslog) ::syslog(syslog_priority(level), "%s", text.c_str());
}

std::string redact(std::string_view secret) { return secret.empty() ? "" : "***"; }

}  // namespace staffeln::log
