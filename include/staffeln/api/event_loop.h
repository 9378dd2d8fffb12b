// HTTP and HTTPS connections served by a few epoll threads: a TLS handshake advances as its
// socket is ready, bytes are read as they come, and a
// request goes to the answer function only once its RequestFramer finds it whole, so no thread
// ever waits on a client. Limits, deadlines and the connection cap are enforced here; a
// connection beyond the cap gets 503 at once. Each loop thread runs the answers it reads; an
// answer that must wait on something slow (a Cinder lookup, a scrape reading the store) is deferred: it runs again on a
// bounded pool of lookup threads, with blocking allowed, and the connection waits for it
// (its later pipelined requests too) while the loop serves every other connection.
#pragma once

#include "staffeln/api/request_framing.h"
#include "staffeln/api/server.h"

#include <openssl/ssl.h>

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

class WorkerPool;  // src/api/worker_pool.h: the lookups' bounded pool

using Clock = std::chrono::steady_clock;

// Whether the answer may wait on something slow: not on a loop thread (it defers instead);
// on a lookup thread yes; not when the lookup pool's queue is full (then it answers at once).
enum class Blocking { forbidden, allowed, overloaded };

struct Exchange {
    std::string_view request;  // one whole request
    std::string& out;          // where its answer goes
    Clock::time_point started;
    const std::string& remote_ip;
    bool last;  // the connection's last request: the answer says "Connection: close"
    Blocking blocking = Blocking::forbidden;
};
// keep_open / close: answered (close: the connection must close after it). defer: nothing
// written; ask again with Blocking::allowed (or overloaded) off the loop thread.
enum class AnswerEnd { keep_open, close, defer };
using Answerer = std::function<AnswerEnd(const Exchange&)>;

class EventLoops {
public:
    // tls: the HTTPS context (not owned; outlives the loops), or null for plain HTTP.
    EventLoops(const Limits& limits, Answerer answer, SSL_CTX* tls = nullptr);
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
    struct Deferred;
    void run(Loop& loop);
    void handshake(Loop& loop, Conn& c);
    void on_readable(Loop& loop, Conn& c);
    void on_writable(Loop& loop, Conn& c);
    void answer_buffered(Loop& loop, Conn& c);
    void defer(Loop& loop, Conn& c, std::string_view request, bool last);
    void finish_deferred(Loop& loop);
    void rearm(Loop& loop, Conn& c);
    void refuse(Conn& c, int status, const char* reason, const std::string& body);
    void flush(Loop& loop, Conn& c);
    void sweep(Loop& loop, Clock::time_point now);
    void close(Loop& loop, Conn* c);

    const Limits limits_;
    SSL_CTX* tls_;
    FramingLimits framing_;
    Answerer answer_;
    std::vector<std::unique_ptr<Loop>> loops_;
    std::unique_ptr<WorkerPool> lookups_;
    std::atomic<std::size_t> next_loop_{0};
    std::atomic<std::size_t> open_{0};
    std::atomic<bool> stopping_{false};
};

}  // namespace staffeln::api
