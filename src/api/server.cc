#include "staffeln/api/server.h"

#include "memory_stream.h"
#include "staffeln/api/event_loop.h"
#include "staffeln/api/metrics_page.h"
#include "staffeln/api/policy_answer.h"
#include "staffeln/log.h"
#include "staffeln/metric_catalog.h"
#include "staffeln/store/automated_backups.h"
#include "store_watch.h"
#include "tls_context.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace staffeln::api {
namespace {

constexpr const char* kBackupPath = "/v1/backup";
constexpr const char* kHealthPath = "/v1/health";
constexpr const char* kMetricsPath = "/metrics";
constexpr const char* kTextPlain = "text/plain";
constexpr int kListenBacklog = 1024;
constexpr size_t kLoggedFieldMax = 128;
// How soon answers notice the store file was removed or replaced.
constexpr std::chrono::milliseconds kStoreWatchInterval{100};

// The request being answered on this thread, for its log line and what follows it.
struct RequestContext {
    Clock::time_point start;
    int status = 0;
    Blocking blocking = Blocking::allowed;
    bool deferred = false;  // the answer waits on Cinder: asked again off the loop
    // After a malformed or refused request the rest of the stream is noise: close.
    bool must_close() const { return status == 400 || status >= 413; }
};
thread_local RequestContext* t_request = nullptr;

// The task queue: the accepting thread hands each socket straight to the event loops.
class InlineQueue : public httplib::TaskQueue {
public:
    explicit InlineQueue(EventLoops& loops) : loops_(loops) {}
    void enqueue(std::function<void()> fn) override { fn(); }
    void shutdown() override { loops_.stop(); }

private:
    EventLoops& loops_;
};

// Request text as it may appear in one log line: printable, bounded.
std::string loggable(std::string_view text) {
    if (text.empty()) return "-";
    std::string out;
    for (char c : text.substr(0, kLoggedFieldMax)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (text.size() > kLoggedFieldMax) out += "...";
    return out;
}

std::string error_text(int status, const httplib::Request& req, const Limits& limits) {
    switch (status) {
        case 400:
            return "bad request";
        case 404:
            return fmt::format("no such resource: {}", loggable(req.path));
        case 405:
            return fmt::format("method {} not allowed on {}", loggable(req.method), req.path);
        case 413:
            return fmt::format("request body larger than {} bytes", limits.body_bytes);
        case 414:
            return fmt::format("request line longer than {} bytes", limits.request_line_bytes);
        case 416:
            return "bad Range header";
        default:
            return fmt::format("error {}", status);
    }
}

bool is_policy_path(const std::string& path) { return path == kBackupPath || path == kHealthPath; }

// Byte ranges make no sense for a one-word answer; httplib would cut "True" to "Tr".
void drop_ranges(httplib::Request& req) { req.ranges.clear(); }

void tune_accepted_socket(int fd) {
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

class HttpServer final : public Server, private httplib::Server {
public:
    HttpServer(const ServerOptions& options, TlsContext tls)
        : options_(options), tls_(std::move(tls)), store_watch_(options.store, kStoreWatchInterval) {}

    Status bind();
    Status run() override;
    void stop() override { httplib::Server::stop(); }

private:
    bool process_and_close_socket(socket_t sock) override;
    AnswerEnd answer_exchange(const Exchange& exchange);
    void add_routes();
    void add_policy_routes();
    void answer_backup(const httplib::Request& req, httplib::Response& res);
    void answer_metrics(httplib::Response& res);
    std::size_t pool_threads() const;
    Result<bool> lookup(std::string_view backup_id);
    struct Answer {
        Verdict verdict;
        const char* reason;  // the label of staffeln_api_answers_total
    };
    std::optional<Answer> ask_cinder(const std::string& backup_id);
    void log_request(const httplib::Request& req, int status);
    bool running() const { return svr_sock_ != INVALID_SOCKET; }

    ServerOptions options_;
    TlsContext tls_;
    StoreWatch store_watch_;
    std::unique_ptr<EventLoops> loops_;
};

Status HttpServer::bind() {
    set_socket_options([](socket_t sock) {
        int yes = 1;
        // Not SO_REUSEPORT (httplib's default): a second server on the port must fail, not share it.
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    set_payload_max_length(options_.limits.body_bytes);
    set_keep_alive_max_count(options_.limits.keep_alive_requests);
    set_keep_alive_timeout(
        std::chrono::duration_cast<std::chrono::seconds>(options_.limits.keep_alive_timeout).count());
    new_task_queue = [this]() -> httplib::TaskQueue* {
        auto limits = options_.limits;
        limits.lookup_threads = pool_threads();
        loops_ = std::make_unique<EventLoops>(
            limits, [this](const Exchange& exchange) { return answer_exchange(exchange); }, tls_.get());
        return new InlineQueue(*loops_);
    };
    add_routes();
    errno = 0;
    if (!bind_to_port(options_.host, options_.port))
        return make_error(ErrorKind::unavailable,
                          fmt::format("cannot listen on {}:{}: {}", options_.host, options_.port,
                                      errno ? std::strerror(errno) : "address not usable"));
    // httplib listens with a backlog of 5; a burst of clients must not wait for SYN retries.
    ::listen(svr_sock_, kListenBacklog);
    return {};
}

Status HttpServer::run() {
    if (!options_.policy)
        log::info("metrics", "serving /metrics on http{}://{}:{}", tls_ ? "s" : "", options_.host, options_.port);
    else
        log::info("api", "listening on {}://{}:{} (mode {}, store {}, {} threads)", tls_ ? "https" : "http",
                  options_.host, options_.port, to_string(answer_source(options_)),
                  options_.store.empty() ? "none" : options_.store.string(), options_.limits.event_loops);
    if (options_.policy && options_.cinder)
        log::info("api", "backups the store does not know are looked up in Cinder at {}", options_.cinder->describe());
    bool clean = listen_after_bind();
    if (!clean && running())
        return make_error(ErrorKind::unavailable,
                          fmt::format("accepting on {}:{} failed", options_.host, options_.port));
    log::info(options_.policy ? "api" : "metrics", "stopped");
    return {};
}

void HttpServer::add_routes() {
    Get(kMetricsPath, [this](const httplib::Request&, httplib::Response& res) { answer_metrics(res); });
    set_error_handler(HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return HandlerResponse::Unhandled;
        if (res.status == 404 && (req.path == kMetricsPath || (options_.policy && is_policy_path(req.path)))) {
            res.status = 405;
            res.set_header("Allow", req.path == kBackupPath ? "GET, HEAD, POST" : "GET, HEAD");
        }
        res.set_content(error_text(res.status, req, options_.limits), kTextPlain);
        return HandlerResponse::Handled;
    }));
    set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr error) {
        std::string what = "unknown exception";
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {}
        log::error("api", "{} {}: {}", loggable(req.method), loggable(req.path), what);
        res.status = 500;
        res.set_content("internal error", kTextPlain);
    });
    set_logger([this](const httplib::Request& req, const httplib::Response& res) { log_request(req, res.status); });
    if (options_.policy) add_policy_routes();
}

void HttpServer::add_policy_routes() {
    Get(kBackupPath, [this](const httplib::Request& req, httplib::Response& res) { answer_backup(req, res); });
    Post(kBackupPath, [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& body) {
        // oslo.policy's body (rule, target, credentials) is read and dropped: the answer
        // depends on the backup id alone, and credentials must not linger in memory.
        auto drop = [](const char*, size_t) { return true; };
        bool read = req.is_multipart_form_data() ? body([](const httplib::MultipartFormData&) { return true; }, drop)
                                                 : body(drop);
        if (!read) {
            if (res.status == -1) res.status = 400;
            return;
        }
        answer_backup(req, res);
    });
    Get(kHealthPath, [this](const httplib::Request&, httplib::Response& res) {
        auto read = lookup("");
        auto reply = health_reply(answer_source(options_), read ? Status{} : Status{read.error()});
        if (!read) log::warning("api", "health: {}", read.error().message);
        res.status = reply.status;
        res.set_content(reply.body, kTextPlain);
    });
}

// The lookup pool serves the answers that may wait: Cinder lookups, and scrapes reading the store
// (which wait up to the store's busy timeout behind a writer). Without either, there is no pool.
std::size_t HttpServer::pool_threads() const {
    return options_.cinder || !options_.store.empty() ? options_.limits.lookup_threads : 0;
}

// A scrape that reads the store runs on a lookup thread, never on an event loop: it may wait on
// the conductor's transaction. Beyond the pool's queue it is 503 at once (Prometheus counts the
// scrape failed) rather than hold the loop.
void HttpServer::answer_metrics(httplib::Response& res) {
    auto blocking = t_request ? t_request->blocking : Blocking::allowed;
    if (!options_.store.empty() && pool_threads() > 0) {
        if (blocking == Blocking::forbidden) {
            t_request->deferred = true;
            return;
        }
        if (blocking == Blocking::overloaded) {
            log::warning("metrics", "scrape refused: {} answers already wait for a lookup thread",
                         options_.limits.lookup_queue);
            res.status = 503;
            res.set_content("overloaded: too many answers waiting for a lookup thread", kTextPlain);
            return;
        }
    }
    res.set_content(metrics_page(options_.store), kMetricsContentType);
}

void HttpServer::answer_backup(const httplib::Request& req, httplib::Response& res) {
    auto id = backup_id_of(req.target);
    if (!id) {
        res.status = 400;
        res.set_content(id.error().message, kTextPlain);
        return;
    }
    auto automated = lookup(*id);
    if (!automated) log::warning("api", "answering False for backup {}: {}", loggable(*id), automated.error().message);
    std::optional<Answer> answer;
    switch (after_store(automated, options_.cinder != nullptr, *id)) {
        case StoreStep::allow:
            answer = Answer{Verdict::allow, "not_automated"};
            break;
        case StoreStep::deny:
            answer = Answer{Verdict::deny, automated ? "automated" : "store_unavailable"};
            break;
        case StoreStep::ask_cinder:
            answer = ask_cinder(*id);
            break;
    }
    if (!answer) return;  // deferred: answered again on a lookup thread
    auto reply = verdict_reply(answer->verdict);
    metrics::process_registry().add(metrics::kApiAnswers, {{"answer", reply.body}, {"reason", answer->reason}});
    res.status = reply.status;
    res.set_content(reply.body, kTextPlain);
}

// The metric's reason for a verdict Cinder's finding decided.
const char* reason_of(CinderFinding finding) {
    switch (finding) {
        case CinderFinding::staffelns:
            return "automated";
        case CinderFinding::not_staffelns:
        case CinderFinding::no_such_backup:
            return "not_automated";
        case CinderFinding::unknown:
            return "cinder_unknown";
    }
    return "cinder_unknown";
}

// A cached finding answers at once. Otherwise an event-loop thread defers the answer rather than
// wait; a lookup thread asks Cinder within its timeouts.
std::optional<HttpServer::Answer> HttpServer::ask_cinder(const std::string& backup_id) {
    if (auto hit = options_.cinder->cached(backup_id)) return Answer{verdict_of(*hit), reason_of(*hit)};
    auto blocking = t_request ? t_request->blocking : Blocking::allowed;
    if (blocking == Blocking::forbidden) {
        t_request->deferred = true;
        return std::nullopt;
    }
    if (blocking == Blocking::overloaded) {
        log::warning("api", "answering False for backup {}: not in the store, and {} Cinder lookups already waiting",
                     loggable(backup_id), options_.limits.lookup_queue);
        return Answer{Verdict::deny, "lookups_overloaded"};
    }
    auto answer = options_.cinder->ask(backup_id);
    if (answer.finding == CinderFinding::unknown)
        log::warning("api", "answering False for backup {}: not in the store, and Cinder could not say: {}",
                     loggable(backup_id), answer.why);
    else
        log::debug("api", "backup {}: not in the store; Cinder: {}", loggable(backup_id), to_string(answer.finding));
    return Answer{verdict_of(answer.finding), reason_of(answer.finding)};
}

// Each worker thread keeps one read-only connection, opened on first use and reused; it is
// reopened after an error, or within kStoreWatchInterval of the file at the store's path
// being replaced or removed. Without a store every id is one it does not know.
Result<bool> HttpServer::lookup(std::string_view backup_id) {
    if (options_.store.empty()) return false;
    thread_local std::unique_ptr<store::AutomatedBackupReader> reader;
    auto file = store_watch_.current();
    bool same_file = file.exists && reader && reader->path() == options_.store && reader->opened_on(file.dev, file.ino);
    if (!same_file) reader.reset();
    if (!reader) {
        // Lookup threads read the store too: they answer a deferred request from the start.
        auto threads = options_.limits.event_loops + (options_.cinder ? pool_threads() : 0);
        auto opened =
            store::AutomatedBackupReader::open(options_.store, options_.limits.store_lock_wait,
                                               options_.limits.store_cache_kib / std::max<size_t>(threads, 1));
        if (!opened) return opened.error();
        reader = std::move(*opened);
    }
    auto answer = reader->is_automated(backup_id);
    if (!answer && answer.error().kind != ErrorKind::timeout) reader.reset();
    return answer;
}

void HttpServer::log_request(const httplib::Request& req, int status) {
    if (!t_request || t_request->deferred) return;  // a deferred answer is logged when it is given
    t_request->status = status;
    auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - t_request->start).count();
    std::string id;
    if (req.path == kBackupPath) {
        auto parsed = backup_id_of(req.target);
        if (parsed) id = " backup_id=" + loggable(*parsed);
        metrics::process_registry().observe(metrics::kApiAnswerDuration, {}, elapsed / 1000);
    }
    // Scrapes come every few seconds for ever: worth a line only when debugging.
    auto level = req.path == kMetricsPath && status == 200 ? log::Level::debug : log::Level::info;
    if (!log::enabled(level)) return;
    log::write(level, "api",
               fmt::format("{} {} {}{} {} {:.3f}ms", req.remote_addr, loggable(req.method), loggable(req.path), id,
                           status, elapsed));
}

AnswerEnd HttpServer::answer_exchange(const Exchange& exchange) {
    RequestContext context{exchange.started};
    context.blocking = exchange.blocking;
    t_request = &context;
    auto written = exchange.out.size();
    MemoryStream stream(exchange.request, exchange.out, exchange.remote_ip);
    bool closed = false;
    bool ok = process_request(stream, exchange.last, closed, drop_ranges);
    t_request = nullptr;
    if (context.deferred) {
        exchange.out.resize(written);  // httplib wrote a placeholder answer: the real one comes later
        return AnswerEnd::defer;
    }
    return ok && !closed && !context.must_close() ? AnswerEnd::keep_open : AnswerEnd::close;
}

bool HttpServer::process_and_close_socket(socket_t sock) {
    tune_accepted_socket(sock);
    loops_->adopt(sock);
    return true;
}

}  // namespace

AnswerSource answer_source(const ServerOptions& options) {
    if (options.store.empty()) return AnswerSource::cinder;
    return options.cinder ? AnswerSource::store_then_cinder : AnswerSource::store;
}

Result<std::unique_ptr<Server>> Server::create(const ServerOptions& options) {
    if (options.policy && options.store.empty() && !options.cinder)
        return make_error(ErrorKind::invalid_input, "neither a store nor Cinder lookups: nothing to answer from");
    TlsContext tls;
    if (options.tls) {
        auto loaded = load_tls_context(options.cert_file, options.key_file);
        if (!loaded) return loaded.error();
        tls = std::move(*loaded);
    }
    auto server = std::make_unique<HttpServer>(options, std::move(tls));
    if (auto bound = server->bind(); !bound) return bound.error();
    return std::unique_ptr<Server>(std::move(server));
}

}  // namespace staffeln::api
