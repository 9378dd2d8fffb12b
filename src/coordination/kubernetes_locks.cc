#include "staffeln/coordination/kubernetes_locks.h"

#include "staffeln/coordination/lease_record.h"
#include "staffeln/coordination/lease_timing.h"
#include "staffeln/log.h"
#include "staffeln/thread_annotations.h"

#include <fmt/format.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <regex>
#include <set>

namespace staffeln::coordination {

using nlohmann::json;
using std::chrono::steady_clock;

namespace {

constexpr std::string_view kLog = "coordination";
constexpr std::string_view kLeasePrefix = "staffeln-";

std::string who_am_i() {
    char host[256] = {0};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    return fmt::format("{} pid {}", host[0] ? host : "unknown-host", ::getpid());
}

// metadata.name of a Lease: a DNS subdomain (RFC 1123).
bool valid_lease_name(const std::string& name) {
    static const std::regex pattern(R"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)");
    return name.size() <= 253 && std::regex_match(name, pattern);
}

WallTime wall_now() { return std::chrono::system_clock::now(); }

}  // namespace

// One Lease this process holds: what its renewals and its release write.
struct LeaseHold {
    LeaseHold(LeaseRecord written, SteadyTime trusted) : record(std::move(written)), trusted_until(trusted) {}

    Mutex io;  // one request at a time for this Lease: a renewal never races the release
    Mutex state;
    LeaseRecord record GUARDED_BY(io);  // as last written by this process
    SteadyTime trusted_until GUARDED_BY(state);
    bool lost GUARDED_BY(state) = false;
};

// What the coordinator, its renewing thread and its locks share; outlives whichever goes first.
struct KubeSession {
    KubeSession(const KubernetesSettings& s, const KubernetesAccess& a)
        : settings(s),
          access(a),
          timing(lease_timing(s.lease_duration, std::chrono::seconds(30))),
          transport(net::TransportOptions{timing.request_timeout, timing.request_timeout, a.tls}),
          holder(who_am_i()) {}

    KubernetesSettings settings;
    KubernetesAccess access;
    LeaseTiming timing;
    net::Transport transport;
    std::string holder;

    Mutex mutex;
    CondVar wake;
    bool stopping GUARDED_BY(mutex) = false;
    std::set<std::shared_ptr<LeaseHold>> holds GUARDED_BY(mutex);
    std::map<std::string, LeaseSighting> sightings GUARDED_BY(mutex);  // by Lease name, of Leases others hold

    std::string url(const std::string& lease_name = "") const {
        return fmt::format("{}/apis/coordination.k8s.io/v1/namespaces/{}/leases{}{}", access.server,
                           settings.lease_namespace, lease_name.empty() ? "" : "/", lease_name);
    }

    // One request; the answer's status is the caller's to judge, a failure to get one is an Error.
    Result<net::HttpResponse> send(const std::string& method, const std::string& url, const json& body) const {
        auto token = current_token(access);
        if (!token) return token.error().context("Kubernetes API token");
        net::HttpRequest request{method,
                                 url,
                                 {{"Authorization", "Bearer " + *token},
                                  {"Accept", "application/json"},
                                  {"Content-Type", "application/json"}},
                                 body.is_null() ? std::string() : body.dump()};
        auto response = transport.perform(request);
        if (!response) {
            std::string ca = access.tls.cacert.empty() ? "the system's CAs" : "CA " + access.tls.cacert;
            return response.error().context(fmt::format("Kubernetes API ({}, {})", access.source, ca));
        }
        return response;
    }

    // A response other than the one hoped for, as an Error naming the server's reason.
    Error refusal(const std::string& method, const std::string& url, const net::HttpResponse& r) const {
        auto body = json::parse(r.body, nullptr, false);
        // A Status object's message when it has one as text; else the start of the answer as sent.
        auto m = body.is_object() ? body.find("message") : body.end();
        std::string message =
            body.is_object() && m != body.end() && m->is_string() ? m->get<std::string>() : r.body.substr(0, 200);
        std::string what = fmt::format("Kubernetes API {} {}: HTTP {}", method, url, r.status);
        switch (r.status) {
            case 401:
                return make_error(
                    ErrorKind::unauthorized,
                    fmt::format("{} Unauthorized: the token from {}{} is not accepted", what, access.source,
                                access.token_file.empty() ? "" : " (" + access.token_file.string() + ")"));
            case 403:
                return make_error(ErrorKind::forbidden,
                                  fmt::format("{} Forbidden: {} (the service account needs get, create and update on "
                                              "leases.coordination.k8s.io in namespace {})",
                                              what, message, settings.lease_namespace));
            case 409:
                return make_error(ErrorKind::conflict, fmt::format("{} Conflict: {}", what, message));
            case 404:
                return make_error(ErrorKind::not_found, fmt::format("{} Not Found: {}", what, message));
            case 400:
            case 422:
                return make_error(ErrorKind::invalid_input, fmt::format("{}: {}", what, message));
            default:
                return make_error(ErrorKind::unavailable, fmt::format("{}: {}", what, message));
        }
    }

    // Writes record (POST when it has no resourceVersion, else PUT) and returns it as stored.
    Result<LeaseRecord> write(const LeaseRecord& record) const {
        bool create = record.resource_version.empty();
        std::string method = create ? "POST" : "PUT";
        std::string target = create ? url() : url(record.name);
        auto response = send(method, target, lease_to_json(record));
        if (!response) return response.error();
        if (response->status != 200 && response->status != 201) return refusal(method, target, *response);
        auto body = json::parse(response->body, nullptr, false);
        if (!body.is_object())
            return make_error(ErrorKind::unavailable, fmt::format("Kubernetes API {} {}: not JSON", method, target));
        auto stored = lease_from_json(body);
        if (!stored) return stored.error().context(fmt::format("Kubernetes API {} {}", method, target));
        return stored;
    }

    // Whether current, just read, may be taken: judged by how long this node has seen its
    // resourceVersion unchanged, never by the holder's renewTime against our wall clock.
    bool free_to_take(const LeaseRecord& current) EXCLUDES(mutex) {
        MutexLock guard(mutex);
        auto last = sightings.find(current.name);
        auto seen =
            observe(last == sightings.end() ? std::nullopt : std::optional(last->second), current, steady_clock::now());
        sightings.insert_or_assign(current.name, seen);
        return coordination::free_to_take(current, seen, steady_clock::now(), settings.lease_duration);
    }

    void forget(const std::string& lease_name) EXCLUDES(mutex) {
        MutexLock guard(mutex);
        sightings.erase(lease_name);
    }

    // The renewing thread's pause: the Leases to renew then, or nothing once stopping.
    std::optional<std::vector<std::shared_ptr<LeaseHold>>> wait_for_renewal() EXCLUDES(mutex) {
        MutexLock guard(mutex);
        if (stopping) return std::nullopt;
        wake.wait_for(guard, timing.renew_every);
        if (stopping) return std::nullopt;
        return std::vector<std::shared_ptr<LeaseHold>>(holds.begin(), holds.end());
    }

    void renew(const std::shared_ptr<LeaseHold>& hold) EXCLUDES(mutex);
    void release(const std::shared_ptr<LeaseHold>& hold) EXCLUDES(mutex);
};

void KubeSession::renew(const std::shared_ptr<LeaseHold>& hold) {
    MutexLock io(hold->io);
    LeaseRecord next;
    {
        MutexLock guard(hold->state);
        if (hold->lost) return;
        if (steady_clock::now() >= hold->trusted_until) {
            hold->lost = true;
            log::warning(kLog, "Lease {}/{} was not renewed in time: its lock is lost", settings.lease_namespace,
                         hold->record.name);
            return;
        }
        next = hold->record;
    }
    auto sent = steady_clock::now();
    next.renew_time = wall_now();
    auto written = write(next);
    MutexLock guard(hold->state);
    if (written) {
        hold->record = *written;
        hold->trusted_until = trusted_until(sent, settings.lease_duration, timing);
        return;
    }
    if (written.error().kind == ErrorKind::conflict) {
        hold->lost = true;
        log::warning(kLog, "Lease {}/{} was changed by another client: its lock is lost ({})", settings.lease_namespace,
                     hold->record.name, written.error().message);
        return;
    }
    log::warning(kLog, "Lease {}/{} not renewed: {}", settings.lease_namespace, hold->record.name,
                 written.error().message);
}

void KubeSession::release(const std::shared_ptr<LeaseHold>& hold) {
    {
        MutexLock guard(mutex);
        holds.erase(hold);
    }
    MutexLock io(hold->io);
    LeaseRecord freed = hold->record;
    // Marked free as client-go's leader election does on release: no holder, one second.
    freed.holder.clear();
    freed.duration = std::chrono::seconds(1);
    freed.acquire_time = freed.renew_time = wall_now();
    auto written = write(freed);
    if (written) return;
    if (written.error().kind == ErrorKind::conflict)
        log::info(kLog, "Lease {}/{} already changed by another client; nothing to release", settings.lease_namespace,
                  freed.name);
    else
        log::warning(kLog, "Lease {}/{} not released ({}); it is free once its {} s run out", settings.lease_namespace,
                     freed.name, written.error().message, settings.lease_duration.count());
}

namespace {

class KubeLock : public Lock {
public:
    KubeLock(std::shared_ptr<KubeSession> session, std::shared_ptr<LeaseHold> hold)
        : session_(std::move(session)), hold_(std::move(hold)) {}
    ~KubeLock() override { session_->release(hold_); }
    bool held() const override {
        MutexLock guard(hold_->state);
        return !hold_->lost && steady_clock::now() < hold_->trusted_until;
    }

private:
    std::shared_ptr<KubeSession> session_;
    std::shared_ptr<LeaseHold> hold_;
};

}  // namespace

KubernetesLocks::KubernetesLocks(const KubernetesSettings& settings, const KubernetesAccess& access)
    : session_(std::make_shared<KubeSession>(settings, access)) {
    renewer_ = std::thread([session = session_] {
        while (auto holds = session->wait_for_renewal())
            for (const auto& hold : *holds) session->renew(hold);
    });
}

KubernetesLocks::~KubernetesLocks() { stop_renewing(); }

void KubernetesLocks::stop_renewing() {
    {
        MutexLock guard(session_->mutex);
        session_->stopping = true;
    }
    session_->wake.notify_all();
    if (renewer_.joinable()) renewer_.join();
}

std::string KubernetesLocks::describe() const {
    return fmt::format("Kubernetes Leases in namespace {} at {} ({}, lease {} s)", session_->settings.lease_namespace,
                       session_->access.server, session_->access.source, session_->settings.lease_duration.count());
}

Result<std::unique_ptr<Lock>> KubernetesLocks::try_lock(const std::string& name) {
    const std::string lease_name = std::string(kLeasePrefix) + name;
    if (!valid_lease_name(lease_name))
        return make_error(
            ErrorKind::invalid_input,
            fmt::format("invalid lock name '{}' (a Lease name is lower-case letters, digits, '-' and '.')", name));
    const std::string target = session_->url(lease_name);
    auto read = session_->send("GET", target, json());
    if (!read) return read.error().context(fmt::format("cannot take lock {}", name));
    LeaseRecord next;
    if (read->status == 200) {
        auto body = json::parse(read->body, nullptr, false);
        if (!body.is_object())
            return make_error(ErrorKind::unavailable, fmt::format("Kubernetes API GET {}: not JSON", target));
        auto read_lease = lease_from_json(body);
        if (!read_lease)
            return read_lease.error().context(fmt::format("cannot take lock {}: Kubernetes API GET {}", name, target));
        const LeaseRecord& current = *read_lease;
        if (!session_->free_to_take(current))
            return make_error(ErrorKind::conflict,
                              fmt::format("lock {} is held by {} (Lease {}/{} renewed at {}, for {} s)", name,
                                          current.holder, session_->settings.lease_namespace, lease_name,
                                          current.renew_time ? format_micro_time(*current.renew_time) : "never",
                                          current.duration.count()));
        next = current;
        if (current.holder != session_->holder) ++next.transitions;
    } else if (read->status == 404) {
        session_->forget(lease_name);
        next.name = lease_name;
    } else {
        return session_->refusal("GET", target, *read).context(fmt::format("cannot take lock {}", name));
    }
    next.holder = session_->holder;
    next.duration = session_->settings.lease_duration;
    auto sent = steady_clock::now();
    next.acquire_time = next.renew_time = wall_now();
    auto written = session_->write(next);
    if (!written) {
        if (written.error().kind == ErrorKind::conflict)
            return make_error(ErrorKind::conflict,
                              fmt::format("lock {} was taken by another node at the same moment (Lease {}/{})", name,
                                          session_->settings.lease_namespace, lease_name));
        return written.error().context(fmt::format("cannot take lock {}", name));
    }
    session_->forget(lease_name);
    auto hold = std::make_shared<LeaseHold>(std::move(*written),
                                            trusted_until(sent, session_->settings.lease_duration, session_->timing));
    {
        MutexLock guard(session_->mutex);
        session_->holds.insert(hold);
    }
    return std::unique_ptr<Lock>(new KubeLock(session_, hold));
}

}  // namespace staffeln::coordination
