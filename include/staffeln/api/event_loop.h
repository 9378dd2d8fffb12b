// Plain-HTTP connections served by a few epoll threads: bytes are read as they come, and a
// request goes to the answer function only once frame_request() finds it whole, so no thread
// ever waits on a client. Limits, deadlines and the connection cap are enforced here; a
// connection beyond the cap gets 503 at once. Each loop thread runs the answers it reads.
#pragma once

#include "staffeln/api/request_framing.h"
#include "staffeln/api/server.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

namespace staffeln::api {

using Clock = std::chrono::steady_clock;

struct Exchange {
    std::string_view request;  // one whole request
    std::string& out;          // where its answer goes
    Clock::time_point started;
    const std::string& remote_ip;
    bool last;  // the connection's last request: the answer says "Connection: close"
};
// Answers one request; false when the connection must close after the answer.
using Answerer = std::function<bool(const Exchange&)>;

class EventLoops {
public:
    EventLoops(const Limits& limits, Answerer answer);
    ~EventLoops();
    EventLoops(const EventLoops&) = delete;
    EventLoops& operator=(const EventLoops&) = delete;

    // Takes over an accepted socket (closes it, one way or another).
    void adopt(int fd);
    // Closes every connection and joins the threads.
    void stop();

    struct Conn;

private:
    struct Loop;
    void run(Loop& loop);
    void on_readable(Loop& loop, Conn& c);
    void answer_buffered(Conn& c);
    void refuse(Conn& c, int status, const char* reason, const std::string& body);
    void flush(Loop& loop, Conn& c);
    void sweep(Loop& loop, Clock::time_point now);
    void close(Loop& loop, Conn* c);

    const Limits& limits_;
    FramingLimits framing_;
    Answerer answer_;
    std::vector<std::unique_ptr<Loop>> loops_;
    std::atomic<std::size_t> next_loop_{0};
    std::atomic<std::size_t> open_{0};
    std::atomic<bool> stopping_{false};
};

}  // namespace staffeln::api
