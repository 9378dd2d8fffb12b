#include "connection.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace staffeln::api {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr uint32_t kHeadEnd = 0x0d0a0d0a;  // "\r\n\r\n"
constexpr size_t kOutFlushBytes = 16384;
// Chunked framing adds a few bytes per chunk on top of the body itself.
constexpr size_t kChunkFramingSlack = 8192;
constexpr milliseconds kWaitSlice{50};

void address_of(int fd, bool peer, std::string& ip, int& port) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                  : getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    if (rc != 0) return;
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
        auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
        inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
        port = ntohs(v4->sin_port);
    } else if (addr.ss_family == AF_INET6) {
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
        inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
        port = ntohs(v6->sin6_port);
    }
    ip = text;
}

struct RefusalText {
    int status;
    const char* reason;
    std::string body;
};

RefusalText refusal_text(Refusal why, const Limits& limits) {
    switch (why) {
    case Refusal::stalled:
        return {408, "Request Timeout",
                fmt::format("no data for {} ms in the middle of a request", limits.read_timeout.count())};
    case Refusal::timed_out:
        return {408, "Request Timeout",
                fmt::format("request not complete within {} ms", limits.request_timeout.count())};
    case Refusal::uri_too_long:
        return {414, "URI Too Long", fmt::format("request line longer than {} bytes", limits.request_line_bytes)};
    case Refusal::head_too_large:
        return {431, "Request Header Fields Too Large",
                fmt::format("request headers larger than {} bytes", limits.head_bytes)};
    case Refusal::body_too_large:
        return {413, "Payload Too Large", fmt::format("request body larger than {} bytes", limits.body_bytes)};
    case Refusal::none:
    case Refusal::broken: break;
    }
    return {0, "", ""};
}

}  // namespace

Connection::Connection(int fd, SSL* ssl, const Limits& limits) : fd_(fd), ssl_(ssl), limits_(limits) {}

Connection::~Connection() {
    if (ssl_) {
        if (refusal_ != Refusal::broken) SSL_shutdown(ssl_);
        SSL_free(ssl_);
    }
}

bool Connection::handshake() {
    if (!ssl_) return true;
    auto until = Clock::now() + limits_.request_timeout;
    for (;;) {
        int rc = SSL_accept(ssl_);
        if (rc == 1) return true;
        int err = SSL_get_error(ssl_, rc);
        Io direction = err == SSL_ERROR_WANT_READ ? Io::again_read : err == SSL_ERROR_WANT_WRITE ? Io::again_write : Io::failed;
        if (direction == Io::failed || !wait(direction, until)) {
            refusal_ = Refusal::broken;
            return false;
        }
    }
}

bool Connection::wait(Io direction, Clock::time_point until) {
    auto left = duration_cast<milliseconds>(until - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, static_cast<short>(direction == Io::again_write ? POLLOUT : POLLIN), 0};
    int rc;
    do rc = ::poll(&p, 1, static_cast<int>(left));
    while (rc < 0 && errno == EINTR);
    return rc > 0;
}

Connection::Io Connection::receive(size_t& got) {
    if (ssl_) {
        int rc = SSL_read(ssl_, in_, sizeof in_);
        if (rc > 0) {
            got = static_cast<size_t>(rc);
            return Io::done;
        }
        int err = SSL_get_error(ssl_, rc);
        if (err == SSL_ERROR_WANT_READ) return Io::again_read;
        if (err == SSL_ERROR_WANT_WRITE) return Io::again_write;
        return err == SSL_ERROR_ZERO_RETURN ? Io::eof : Io::failed;
    }
    ssize_t rc;
    do rc = ::recv(fd_, in_, sizeof in_, 0);
    while (rc < 0 && errno == EINTR);
    if (rc > 0) {
        got = static_cast<size_t>(rc);
        return Io::done;
    }
    if (rc == 0) return Io::eof;
    return errno == EAGAIN || errno == EWOULDBLOCK ? Io::again_read : Io::failed;
}

Connection::Io Connection::send_some(const char* data, size_t size, size_t& sent) {
    if (ssl_) {
        int rc = SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(size, 1 << 20)));
        if (rc > 0) {
            sent = static_cast<size_t>(rc);
            return Io::done;
        }
        int err = SSL_get_error(ssl_, rc);
        if (err == SSL_ERROR_WANT_READ) return Io::again_read;
        if (err == SSL_ERROR_WANT_WRITE) return Io::again_write;
        return Io::failed;
    }
    ssize_t rc;
    do rc = ::send(fd_, data, size, MSG_NOSIGNAL);
    while (rc < 0 && errno == EINTR);
    if (rc >= 0) {
        sent = static_cast<size_t>(rc);
        return Io::done;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK ? Io::again_write : Io::failed;
}

bool Connection::wait_for_request(const std::function<bool()>& keep_waiting) {
    if (in_pos_ < in_len_ || (ssl_ && SSL_pending(ssl_) > 0)) return true;
    auto until = Clock::now() + limits_.keep_alive_timeout;
    for (;;) {
        auto now = Clock::now();
        if (now >= until) return false;
        if (wait(Io::again_read, std::min(until, now + kWaitSlice))) return true;
        if (!keep_waiting()) return false;
    }
}

void Connection::begin_request() {
    request_start_ = Clock::now();
    deadline_ = request_start_ + limits_.request_timeout;
    head_bytes_ = body_bytes_ = 0;
    line_done_ = head_done_ = false;
    tail_ = 0;
}

bool Connection::fill() {
    for (;;) {
        size_t got = 0;
        Io io = receive(got);
        if (io == Io::done) {
            in_pos_ = 0;
            in_len_ = got;
            return true;
        }
        if (io == Io::eof) return false;
        if (io == Io::failed) {
            refusal_ = Refusal::broken;
            return false;
        }
        auto silence_ends = Clock::now() + limits_.read_timeout;
        if (!wait(io, std::min(deadline_, silence_ends))) {
            refusal_ = silence_ends < deadline_ ? Refusal::stalled : Refusal::timed_out;
            return false;
        }
    }
}

void Connection::refuse(Refusal why) {
    if (refusal_ == Refusal::none) refusal_ = why;
}

// Counts what the parser consumes of this request and refuses it at the first limit passed.
bool Connection::account(const char* data, size_t size) {
    size_t at = 0;
    while (!head_done_ && at < size) {
        char c = data[at++];
        ++head_bytes_;
        if (c == '\n') line_done_ = true;
        tail_ = (tail_ << 8) | static_cast<unsigned char>(c);
        if (tail_ == kHeadEnd) head_done_ = true;
        if (!line_done_ && head_bytes_ > limits_.request_line_bytes) refuse(Refusal::uri_too_long);
        else if (head_bytes_ > limits_.head_bytes) refuse(Refusal::head_too_large);
        if (refusal_ != Refusal::none) return false;
    }
    body_bytes_ += size - at;
    if (body_bytes_ > limits_.body_bytes + kChunkFramingSlack) refuse(Refusal::body_too_large);
    return refusal_ == Refusal::none;
}

ssize_t Connection::read(char* ptr, size_t size) {
    if (refusal_ != Refusal::none) return -1;
    if (in_pos_ == in_len_ && !fill()) return refusal_ == Refusal::none ? 0 : -1;
    size_t n = std::min(size, in_len_ - in_pos_);
    if (!account(in_ + in_pos_, n)) return -1;
    std::memcpy(ptr, in_ + in_pos_, n);
    in_pos_ += n;
    return static_cast<ssize_t>(n);
}

ssize_t Connection::write(const char* ptr, size_t size) {
    // Once a request is refused, the parser's own answer to it is replaced by answer_refusal().
    if (refusal_ != Refusal::none) return refusal_ == Refusal::broken ? -1 : static_cast<ssize_t>(size);
    out_.append(ptr, size);
    if (out_.size() >= kOutFlushBytes && !flush()) return -1;
    return static_cast<ssize_t>(size);
}

bool Connection::flush() {
    size_t done = 0;
    while (done < out_.size()) {
        size_t sent = 0;
        Io io = send_some(out_.data() + done, out_.size() - done, sent);
        if (io == Io::done) {
            done += sent;
            continue;
        }
        if (io == Io::failed || !wait(io, Clock::now() + limits_.write_timeout)) {
            refusal_ = Refusal::broken;
            out_.clear();
            return false;
        }
    }
    out_.clear();
    return true;
}

int Connection::answer_refusal() {
    auto text = refusal_text(refusal_, limits_);
    if (text.status == 0) return 0;
    bool timed = refusal_ == Refusal::stalled || refusal_ == Refusal::timed_out;
    if (timed && head_bytes_ == 0) return 0;  // nothing was asked
    out_ = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                       text.status, text.reason, text.body.size(), text.body);
    refusal_ = Refusal::none;  // lets flush() send this one answer
    flush();
    return text.status;
}

void Connection::get_remote_ip_and_port(std::string& ip, int& port) const {
    if (remote_port_ < 0) address_of(fd_, true, remote_ip_, remote_port_);
    ip = remote_ip_;
    port = remote_port_;
}

void Connection::get_local_ip_and_port(std::string& ip, int& port) const {
    if (local_port_ < 0) address_of(fd_, false, local_ip_, local_port_);
    ip = local_ip_;
    port = local_port_;
}

}  // namespace staffeln::api
