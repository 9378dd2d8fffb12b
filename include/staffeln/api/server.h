// `staffeln api`: the HTTP(S) endpoint oslo.policy's http: check calls. GET or POST
// /v1/backup?backup_id=ID answers from the store, and for ids the store does not know from
// Cinder's tag (backup_verdict.h), or from Cinder alone when it has no store; GET /v1/health says
// which, and whether the store can be read; GET /metrics is Prometheus' page (metrics_page.h).
// The same server, with policy off, is the conductor's metrics_listen: /metrics alone.
// Every resource is bounded by Limits; stop() may be called from any thread.
#pragma once

#include "staffeln/api/cinder_lookup.h"
#include "staffeln/result.h"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace staffeln::api {

struct Limits {
    // A few event-loop threads serve every connection, HTTP or HTTPS, up to max_connections.
    std::size_t event_loops = 2;
    std::size_t max_connections = 512;             // open at once; more get 503 (HTTPS: closed)
    std::size_t request_line_bytes = 4096;         // longer: 414
    std::size_t head_bytes = 16384;                // request line and headers; more: 431
    std::size_t body_bytes = 65536;                // more: 413
    std::chrono::milliseconds read_timeout{5000};  // between two reads within a request; TLS handshake
    std::chrono::milliseconds write_timeout{5000};
    std::chrono::milliseconds request_timeout{10000};  // first byte to the whole request: else 408
    std::chrono::milliseconds keep_alive_timeout{5000};
    std::size_t keep_alive_requests = 10000;
    std::chrono::milliseconds store_lock_wait{2000};  // retrying "database is locked"
    // SQLite page cache, shared out among the serving threads: the upper levels of the backups
    // B-tree (about 2 MiB for a million records) stay in memory instead of being re-read.
    std::size_t store_cache_kib = 8192;
    // Answers that may wait run on these threads, off the event loops: Cinder lookups, and
    // GET /metrics reading the store. Beyond the queue, a lookup is False at once (fail closed)
    // and a scrape 503, and the log says so. Without Cinder lookups and a store, or at 0, no
    // lookup threads: nothing is deferred, and a scrape reads the store on its event loop.
    std::size_t lookup_threads = 4;
    std::size_t lookup_queue = 64;
};

struct ServerOptions {
    std::string host = "0.0.0.0";
    int port = 8808;
    bool tls = false;
    std::string cert_file;
    std::string key_file;
    std::filesystem::path store;  // empty: no store, every id is asked of Cinder (cinder required)
    Limits limits;
    // Asked about ids the store does not know (cinder_lookup.h); null: lookups off, and such
    // ids are answered True from the store alone.
    std::shared_ptr<CinderLookup> cinder;
    // false: only GET /metrics is served (store: the store its page reads; cinder unused).
    bool policy = true;
};

AnswerSource answer_source(const ServerOptions& options);

class Server {
public:
    // Loads the TLS certificate and key and binds the port; errors name the file or address.
    // With policy on, neither a store nor Cinder lookups is an error (invalid_input): nothing to
    // answer from.
    static Result<std::unique_ptr<Server>> create(const ServerOptions& options);
    virtual ~Server() = default;

    // Serves until stop(); returns when every connection is closed.
    virtual Status run() = 0;
    virtual void stop() = 0;
};

}  // namespace staffeln::api
