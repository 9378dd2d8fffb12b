// One HTTPS client connection, served by one worker thread, as the httplib::Stream the parser
// reads. Each request has a deadline and byte limits on its request line, head and body, so a
// slow or oversized request ends in 408/414/431/413 and a closed connection instead of holding a
// thread or memory. Writes are gathered and sent once per response. (Plain HTTP goes through the
// event loops; this class can also carry it, without TLS.)
#pragma once

#include "staffeln/api/server.h"

#include <httplib.h>
#include <openssl/ssl.h>

#include <chrono>
#include <functional>
#include <string>

namespace staffeln::api {

// stalled: silent for the read timeout mid-request; timed_out: not complete by its deadline.
enum class Refusal { none, stalled, timed_out, uri_too_long, head_too_large, body_too_large, broken };

class Connection : public httplib::Stream {
public:
    using Clock = std::chrono::steady_clock;

    // Takes a non-blocking socket; ssl (owned) is null for plain TCP. Does not close fd.
    Connection(int fd, SSL* ssl, const Limits& limits);
    ~Connection() override;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    bool handshake();
    // Waits up to the keep-alive timeout for the next request's first byte; after a first short
    // wait, gives up early when keep_waiting() turns false (stopping, or clients queued).
    bool wait_for_request(const std::function<bool()>& keep_waiting);
    void begin_request();
    // Sends what the parser wrote. False when the client cannot take it in time.
    bool flush();
    // When a limit refused the request: answers it with its status in plain text (the caller
    // then closes). Returns that status, or 0 when there is nobody or nothing to answer.
    int answer_refusal();

    Refusal refusal() const { return refusal_; }
    bool request_started_reading() const { return head_bytes_ > 0; }
    Clock::time_point request_start() const { return request_start_; }

    bool is_readable() const override { return true; }
    bool is_writable() const override { return true; }
    ssize_t read(char* ptr, size_t size) override;
    ssize_t write(const char* ptr, size_t size) override;
    void get_remote_ip_and_port(std::string& ip, int& port) const override;
    void get_local_ip_and_port(std::string& ip, int& port) const override;
    socket_t socket() const override { return fd_; }

private:
    enum class Io { done, eof, again_read, again_write, failed };
    Io receive(size_t& got);
    Io send_some(const char* data, size_t size, size_t& sent);
    bool wait(Io direction, Clock::time_point until);
    bool fill();
    bool account(const char* data, size_t size);
    void refuse(Refusal why);

    int fd_;
    SSL* ssl_;
    mutable std::string remote_ip_, local_ip_;
    mutable int remote_port_ = -1, local_port_ = -1;
    const Limits& limits_;
    char in_[4096];
    size_t in_pos_ = 0;
    size_t in_len_ = 0;
    std::string out_;
    Refusal refusal_ = Refusal::none;
    Clock::time_point request_start_{};
    Clock::time_point deadline_{};
    size_t head_bytes_ = 0;
    size_t body_bytes_ = 0;
    bool line_done_ = false;
    bool head_done_ = false;
    uint32_t tail_ = 0;  // last four head bytes, to find "\r\n\r\n"
};

}  // namespace staffeln::api
