#include "staffeln/api/event_loop.h"

#include "staffeln/log.h"
#include "staffeln/thread_annotations.h"
#include "worker_pool.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace staffeln::api {
namespace {

constexpr int kMaxEvents = 64;
constexpr int kSweepMs = 50;
constexpr std::size_t kRecvChunk = 16384;
constexpr std::size_t kOutPauseBytes = 65536;  // stop answering pipelined requests until sent
// Pipelined requests answered in one turn of a connection; the rest wait for a later turn, after
// the other connections' events, so one client cannot hold a loop.
constexpr std::size_t kRequestsPerTurn = 64;

std::string peer_ip(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "-";
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&addr)->sin_addr, text, sizeof text);
    else if (addr.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr, text, sizeof text);
    return text;
}

enum class Io { done, again, closed };

// One read or write on the socket, through TLS when the connection has it: never waits.
Io receive(int fd, SSL* ssl, char* buf, std::size_t size, std::size_t& got) {
    if (ssl) {
        ERR_clear_error();
        int rc = SSL_read(ssl, buf, static_cast<int>(size));
        if (rc > 0) {
            got = static_cast<std::size_t>(rc);
            return Io::done;
        }
        int err = SSL_get_error(ssl, rc);
        return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE ? Io::again : Io::closed;
    }
    ssize_t rc;
    do rc = ::recv(fd, buf, size, 0);
    while (rc < 0 && errno == EINTR);
    if (rc > 0) {
        got = static_cast<std::size_t>(rc);
        return Io::done;
    }
    return rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? Io::again : Io::closed;
}

Io transmit(int fd, SSL* ssl, const char* data, std::size_t size, std::size_t& sent) {
    if (ssl) {
        ERR_clear_error();
        int rc = SSL_write(ssl, data, static_cast<int>(std::min<std::size_t>(size, 1 << 20)));
        if (rc > 0) {
            sent = static_cast<std::size_t>(rc);
            return Io::done;
        }
        int err = SSL_get_error(ssl, rc);
        return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE ? Io::again : Io::closed;
    }
    ssize_t rc;
    do rc = ::send(fd, data, size, MSG_NOSIGNAL);
    while (rc < 0 && errno == EINTR);
    if (rc >= 0) {
        sent = static_cast<std::size_t>(rc);
        return Io::done;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK ? Io::again : Io::closed;
}

std::string plain_response(int status, const char* reason, const std::string& body) {
    return fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}", status,
        reason, body.size(), body);
}

}  // namespace

struct EventLoops::Conn {
    Conn(int socket, SSL* tls, const FramingLimits& limits)
        : fd(socket), ssl(tls), remote_ip(peer_ip(socket)), framer(limits), handshaking(tls != nullptr) {}
    ~Conn() {
        if (ssl) SSL_free(ssl);
    }
    Conn(const Conn&) = delete;
    Conn& operator=(const Conn&) = delete;

    int fd;
    SSL* ssl;  // null for plain HTTP
    std::string remote_ip;
    std::string in;
    RequestFramer framer;  // where the first request in `in` ends, found so far
    std::string out;
    bool handshaking;         // TLS: the handshake is under way, driven by epoll events
    bool broken = false;      // TLS: failed; no close_notify
    bool in_request = false;  // some bytes of a request have come
    bool close_after_send = false;
    bool finished = false;  // answered what it will: the loop closes it
    bool want_write = false;
    bool pending = false;      // a deferred answer is being computed; nothing else is read or answered
    bool backlog = false;      // whole requests may wait in `in` beyond a turn's share
    bool peer_closed = false;  // the client sends no more: close once what came is answered
    std::size_t served = 0;
    Clock::time_point request_start{};
    Clock::time_point last_read{};
    Clock::time_point last_activity{};
    Clock::time_point send_start{};
};

// A deferred answer, computed on a lookup thread, handed back to its connection's loop.
struct EventLoops::Deferred {
    Conn* conn;
    std::string out{};
    bool close = true;
};

struct EventLoops::Loop {
    int epoll_fd = -1;
    int wake_fd = -1;  // eventfd: deferred answers are ready
    std::thread thread;
    // Guards conns and done; adopt() adds a connection to both conns and the epoll set under
    // it, so the loop never knows a connection that is not in its epoll set.
    Mutex mutex;
    std::unordered_set<Conn*> conns GUARDED_BY(mutex);
    std::vector<Deferred> done GUARDED_BY(mutex);
};

EventLoops::EventLoops(const Limits& limits, Answerer answer, SSL_CTX* tls)
    : limits_(limits),
      tls_(tls),
      framing_{limits.request_line_bytes, limits.head_bytes, limits.body_bytes},
      answer_(std::move(answer)) {
    for (std::size_t i = 0; i < std::max<std::size_t>(1, limits.event_loops); ++i) {
        auto loop = std::make_unique<Loop>();
        loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        loop->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = nullptr;  // no Conn: the wake-up
        epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->wake_fd, &ev);
        loops_.push_back(std::move(loop));
    }
    if (limits.lookup_threads > 0) lookups_ = std::make_unique<WorkerPool>(limits.lookup_threads, limits.lookup_queue);
    for (auto& loop : loops_) loop->thread = std::thread([this, l = loop.get()] { run(*l); });
}

EventLoops::~EventLoops() { stop(); }

void EventLoops::stop() {
    stopping_ = true;
    // Lookups still queued see stopping_ and return at once; one under way ends within its
    // Cinder timeout. They hand their answers to the loops, which are gone by then or ignore them.
    if (lookups_) lookups_->shutdown();
    for (auto& loop : loops_)
        if (loop->thread.joinable()) loop->thread.join();
    for (auto& loop : loops_) {
        if (loop->epoll_fd >= 0) ::close(loop->epoll_fd);
        if (loop->wake_fd >= 0) ::close(loop->wake_fd);
        loop->epoll_fd = loop->wake_fd = -1;
    }
}

void EventLoops::adopt(int fd) {
    if (stopping_ || open_.load() >= limits_.max_connections) {
        static const std::string busy = plain_response(503, "Service Unavailable", "server overloaded");
        // One attempt, no waiting: the accepting thread must not block on this client. A TLS
        // client could not read a plain answer: it is just closed.
        if (!tls_) (void)::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::close(fd);
        log::warning("api", "refused a connection: {} connections already open", limits_.max_connections);
        return;
    }
    SSL* ssl = nullptr;
    if (tls_) {
        ssl = SSL_new(tls_);
        if (!ssl || SSL_set_fd(ssl, fd) != 1) {
            log::error("api", "cannot start TLS on a new connection");
            SSL_free(ssl);
            ::close(fd);
            return;
        }
        SSL_set_accept_state(ssl);
    }
    ++open_;
    auto* c = new Conn(fd, ssl, framing_);
    c->last_activity = Clock::now();
    auto& loop = *loops_[next_loop_++ % loops_.size()];
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = c;
    MutexLock lock(loop.mutex);
    if (epoll_ctl(loop.epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        log::error("api", "cannot watch a new connection from {}: {}", c->remote_ip, std::strerror(errno));
        ::close(fd);
        delete c;
        --open_;
        return;
    }
    loop.conns.insert(c);
}

void EventLoops::run(Loop& loop) {
    epoll_event events[kMaxEvents];
    auto next_sweep = Clock::now();
    while (!stopping_) {
        int n = epoll_wait(loop.epoll_fd, events, kMaxEvents, kSweepMs);
        bool deferred_done = false;
        for (int i = 0; i < n; ++i) {
            auto* c = static_cast<Conn*>(events[i].data.ptr);
            if (!c) {
                deferred_done = true;
                continue;
            }
            if (c->handshaking)
                handshake(loop, *c);
            else if (c->pending) {  // only earlier answers still to send; the rest waits for it
                if (events[i].events & EPOLLOUT) flush(loop, *c);
                continue;
            } else if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                on_readable(loop, *c);
            else if (events[i].events & EPOLLOUT)
                on_writable(loop, *c);
            if (c->finished) close(loop, c);
        }
        // After the batch: finishing a deferred answer may close its connection, and a later
        // event of this batch may still name it.
        if (deferred_done) finish_deferred(loop);
        auto now = Clock::now();
        if (now >= next_sweep) {
            sweep(loop, now);
            next_sweep = now + std::chrono::milliseconds(kSweepMs);
        }
    }
    std::unordered_set<Conn*> left;
    {
        MutexLock lock(loop.mutex);
        left.swap(loop.conns);
    }
    for (auto* c : left) close(loop, c);
}

// Each step of a TLS handshake is taken as its socket is ready, so a silent client holds nothing
// but its connection slot, until the handshake timeout (the read timeout) closes it.
void EventLoops::handshake(Loop& loop, Conn& c) {
    ERR_clear_error();
    int rc = SSL_accept(c.ssl);
    if (rc == 1) {
        c.handshaking = false;
        c.want_write = false;
        c.last_activity = Clock::now();
        rearm(loop, c);
        return;
    }
    int err = SSL_get_error(c.ssl, rc);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        log::debug("api", "TLS handshake with {} failed", c.remote_ip);
        c.broken = c.finished = true;
        return;
    }
    bool write = err == SSL_ERROR_WANT_WRITE;
    if (write != c.want_write) {
        c.want_write = write;
        rearm(loop, c);
    }
}

void EventLoops::on_readable(Loop& loop, Conn& c) {
    auto now = Clock::now();
    bool peer_closed = false;
    // Beyond the largest request the framing lets through (head and trailers, body, chunk
    // framing), so a request still incomplete never fills the buffer: reading always progresses.
    std::size_t cap = 2 * (limits_.head_bytes + limits_.body_bytes) + kRecvChunk;
    while (c.in.size() < cap) {
        char buf[kRecvChunk];  // a whole TLS record: none is left half read in the TLS buffer
        std::size_t got = 0;
        Io io = receive(c.fd, c.ssl, buf, sizeof buf, got);
        if (io == Io::done) {
            if (!c.in_request) {
                c.in_request = true;
                c.request_start = now;
            }
            c.in.append(buf, got);
            c.last_read = c.last_activity = now;
            // A short read drained the socket; epoll reports anything that comes later. (TLS
            // reads one record at a time: on until it wants more.)
            if (!c.ssl && got < sizeof buf) break;
            continue;
        }
        if (io == Io::again) break;
        peer_closed = true;
        break;
    }
    if (peer_closed) c.peer_closed = true;  // answers what came; nothing more can
    answer_buffered(loop, c);
    flush(loop, c);
}

// Sends what waits, then answers the requests left over from the connection's last turn.
void EventLoops::on_writable(Loop& loop, Conn& c) {
    flush(loop, c);
    if (!c.out.empty() || !c.backlog || c.pending || c.close_after_send) return;
    answer_buffered(loop, c);
    flush(loop, c);
}

// Answers the whole requests received, in order (pipelining), up to a turn's share and while
// the output is not backed up.
void EventLoops::answer_buffered(Loop& loop, Conn& c) {
    std::size_t used = 0;
    std::size_t answered = 0;
    c.backlog = false;
    while (!c.close_after_send && !c.pending && used < c.in.size()) {
        if (c.out.size() >= kOutPauseBytes || answered == kRequestsPerTurn) {
            c.backlog = true;
            break;
        }
        auto frame = c.framer.next(std::string_view(c.in).substr(used));
        if (frame.state == Framing::incomplete) break;
        if (frame.state == Framing::complete) {
            c.framer.reset();
            ++answered;
        }
        switch (frame.state) {
            case Framing::complete: {
                bool last = c.served + 1 >= limits_.keep_alive_requests || stopping_;
                auto request = std::string_view(c.in).substr(used, frame.length);
                auto end = answer_(Exchange{request, c.out, c.request_start, c.remote_ip, last});
                if (end == AnswerEnd::defer) {
                    defer(loop, c, request, last);
                    used += frame.length;
                    break;
                }
                used += frame.length;
                ++c.served;
                if (end == AnswerEnd::close || last) c.close_after_send = true;
                c.request_start = Clock::now();
                break;
            }
            case Framing::uri_too_long:
                refuse(c, 414, "URI Too Long",
                       fmt::format("request line longer than {} bytes", limits_.request_line_bytes));
                break;
            case Framing::header_line_too_long:
                refuse(c, 431, "Request Header Fields Too Large",
                       fmt::format("header line longer than {} bytes", framing_.header_line_bytes));
                break;
            case Framing::head_too_large:
                refuse(c, 431, "Request Header Fields Too Large",
                       fmt::format("request headers larger than {} bytes", limits_.head_bytes));
                break;
            case Framing::body_too_large:
                refuse(c, 413, "Payload Too Large",
                       fmt::format("request body larger than {} bytes", limits_.body_bytes));
                break;
            case Framing::chunk_framing_too_large:
                refuse(c, 413, "Payload Too Large",
                       fmt::format("chunk framing larger than {} bytes", limits_.body_bytes));
                break;
            case Framing::bad:
            case Framing::incomplete:
                refuse(c, 400, "Bad Request", "bad request framing");
                break;
        }
    }
    c.in.erase(0, used);
    c.in_request = !c.in.empty();
    if (c.peer_closed && !c.backlog && !c.pending) c.close_after_send = true;
}

void EventLoops::defer(Loop& loop, Conn& c, std::string_view request, bool last) {
    c.pending = true;
    rearm(loop, c);
    lookups_->enqueue(
        [this, &loop, conn = &c, request = std::string(request), ip = c.remote_ip, started = c.request_start, last] {
            Deferred done{conn};
            if (!stopping_) {
                auto blocking = WorkerPool::overloaded() ? Blocking::overloaded : Blocking::allowed;
                auto end = answer_(Exchange{request, done.out, started, ip, last, blocking});
                done.close = end != AnswerEnd::keep_open || last;
            }
            MutexLock lock(loop.mutex);
            loop.done.push_back(std::move(done));
            std::uint64_t one = 1;
            (void)::write(loop.wake_fd, &one, sizeof one);
        });
}

// On the loop thread: each deferred answer goes out, and its connection reads and answers again.
void EventLoops::finish_deferred(Loop& loop) {
    std::uint64_t count = 0;
    (void)::read(loop.wake_fd, &count, sizeof count);
    std::vector<Deferred> done;
    {
        MutexLock lock(loop.mutex);
        done.swap(loop.done);
    }
    // Once stopping, sweep() closes pending connections too: their answers have nowhere to go.
    if (stopping_) return;
    auto now = Clock::now();
    for (auto& d : done) {
        Conn& c = *d.conn;  // alive: a pending connection is closed only once stopping
        c.pending = false;
        c.out += d.out;
        ++c.served;
        if (d.close) c.close_after_send = true;
        c.backlog = !c.in.empty();  // pipelined requests that waited for this answer
        if (c.peer_closed && !c.backlog) c.close_after_send = true;
        c.request_start = c.last_activity = now;
        rearm(loop, c);
        flush(loop, c);
        if (c.finished) close(loop, &c);
    }
}

// While an answer is deferred the connection is watched for writes only (earlier answers still
// being sent), one event at a time, so a client gone meanwhile cannot make the loop spin.
void EventLoops::rearm(Loop& loop, Conn& c) {
    epoll_event ev{};
    std::uint32_t write = c.want_write ? static_cast<std::uint32_t>(EPOLLOUT) : 0u;
    ev.events = c.pending ? EPOLLONESHOT | write : c.want_write ? write : EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = &c;
    epoll_ctl(loop.epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
}

void EventLoops::refuse(Conn& c, int status, const char* reason, const std::string& body) {
    auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - c.request_start).count();
    c.out += plain_response(status, reason, body);
    c.close_after_send = true;
    c.in.clear();
    log::info("api", "{} - - {} {:.3f}ms", c.remote_ip, status, elapsed);
}

void EventLoops::flush(Loop& loop, Conn& c) {
    while (!c.out.empty()) {
        std::size_t sent = 0;
        Io io = transmit(c.fd, c.ssl, c.out.data(), c.out.size(), sent);
        if (io == Io::done) {
            c.out.erase(0, sent);
            c.last_activity = Clock::now();
            continue;
        }
        if (io == Io::again) {
            if (!c.want_write) {
                c.want_write = true;
                c.send_start = Clock::now();
                // Reads wait until the answers are taken: a client that only sends gets no more.
                rearm(loop, c);
            }
            return;
        }
        c.close_after_send = c.broken = true;  // the client is gone
        c.out.clear();
    }
    // Requests left from a turn: the empty output's EPOLLOUT, ready at once, brings the
    // connection back after the loop's other events; meanwhile nothing more is read.
    bool resume = c.backlog && !c.pending && !c.close_after_send;
    if (resume) c.send_start = Clock::now();
    if (c.want_write != resume) {
        c.want_write = resume;
        rearm(loop, c);
    }
    if (c.close_after_send && !c.pending) c.finished = true;
}

// Ends connections past a deadline: a slow request gets 408 (one attempt to send it), an
// idle one or one whose client does not read its answer is closed.
void EventLoops::sweep(Loop& loop, Clock::time_point now) {
    std::vector<Conn*> expired;
    {
        MutexLock lock(loop.mutex);
        for (auto* c : loop.conns) {
            if (c->pending && !stopping_) continue;  // its lookup is bounded by the Cinder timeout
            bool sending = !c->out.empty();
            bool late = c->handshaking  ? now - c->last_activity > limits_.read_timeout
                        : sending       ? now - c->send_start > limits_.write_timeout
                        : c->in_request ? now - c->request_start > limits_.request_timeout ||
                                              now - c->last_read > limits_.read_timeout
                                        : now - c->last_activity > limits_.keep_alive_timeout;
            if (late || stopping_) expired.push_back(c);
        }
    }
    for (auto* c : expired) {
        if (c->out.empty() && c->in_request) {
            bool too_long = now - c->request_start > limits_.request_timeout;
            refuse(*c, 408, "Request Timeout",
                   too_long
                       ? fmt::format("request not complete within {} ms", limits_.request_timeout.count())
                       : fmt::format("no data for {} ms in the middle of a request", limits_.read_timeout.count()));
            std::size_t sent = 0;
            (void)transmit(c->fd, c->ssl, c->out.data(), c->out.size(), sent);
        }
        close(loop, c);
    }
}

// Out of the epoll set before the descriptor closes: closing takes a socket out of the set only
// once nothing else refers to it, and the accepting thread's epoll_ctl(ADD) still may for a
// moment; meanwhile the shut-down socket would report events for the freed connection.
void EventLoops::close(Loop& loop, Conn* c) {
    epoll_ctl(loop.epoll_fd, EPOLL_CTL_DEL, c->fd, nullptr);
    if (c->ssl && !c->handshaking && !c->broken) {
        ERR_clear_error();
        (void)SSL_shutdown(c->ssl);  // one close_notify, without waiting for the client's
    }
    ::shutdown(c->fd, SHUT_RDWR);
    ::close(c->fd);
    {
        MutexLock lock(loop.mutex);
        loop.conns.erase(c);
    }
    delete c;
    --open_;
}

}  // namespace staffeln::api
