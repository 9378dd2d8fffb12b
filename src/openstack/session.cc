#include "staffeln/openstack/session.h"

#include "staffeln/log.h"
#include "staffeln/metric_catalog.h"
#include "staffeln/openstack/http_error.h"
#include "staffeln/url_password.h"

#include <random>
#include <thread>

namespace staffeln::openstack {
namespace {

using std::chrono::steady_clock;

// Renew a token when less than this remains, or after half its life if that comes later.
constexpr auto renew_margin = std::chrono::seconds(60);

double jitter() {
    thread_local std::mt19937 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

AttemptOutcome outcome_of(const Result<net::HttpResponse>& result) {
    AttemptOutcome outcome;
    if (!result) {
        outcome.transport_error = result.error().kind;
        outcome.request_sent = result.error().maybe_applied;
        return outcome;
    }
    outcome.http_status = result->status;
    if (const std::string after = result->header("retry-after"); !after.empty())
        outcome.retry_after = parse_retry_after(after);
    return outcome;
}

std::string describe(const Result<net::HttpResponse>& result) {
    return result ? fmt::format("HTTP {}", result->status) : result.error().message;
}

// The status_class label of staffeln_cloud_requests_total: "2xx" to "5xx", or "error" for no answer.
std::string status_class(const Result<net::HttpResponse>& result) {
    if (!result || result->status < 100 || result->status > 599) return "error";
    return fmt::format("{}xx", result->status / 100);
}

const char* service_name(Service service) {
    switch (service) {
        case Service::identity:
            return "keystone";
        case Service::compute:
            return "nova";
        case Service::block_storage:
            return "cinder";
    }
    return "?";
}

std::vector<Microversion> wanted_versions(Service service) {
    switch (service) {
        // 2.47 shows each server's flavor (name, vCPUs, RAM, disk) in the listing, 2.3 the root
        // device and each volume's delete_on_termination; 2.1 is the fallback.
        case Service::compute:
            return {{2, 1}, {2, 47}};
        // 3.43 adds backup metadata, 3.64 encryption_key_id and more detail; 3.0 is the fallback.
        case Service::block_storage:
            return {{3, 0}, {3, 43}, {3, 64}};
        case Service::identity:
            return {};
    }
    return {};
}

// The URL that answers with the version document: Nova's versioned endpoint itself,
// Cinder's root (its endpoint without "/v3/<project>").
std::string discovery_url(Service service, const std::string& endpoint) {
    if (service != Service::block_storage) return endpoint;
    std::size_t pos = endpoint.rfind("/v3");
    while (pos != std::string::npos) {
        const std::size_t end = pos + 3;
        if (end == endpoint.size() || endpoint[end] == '/') return endpoint.substr(0, pos + 1);
        pos = pos == 0 ? std::string::npos : endpoint.rfind("/v3", pos - 1);
    }
    return endpoint;
}

std::optional<std::string> next_link(const Json& page, std::string_view links_key) {
    if (!page.contains(links_key)) return std::nullopt;
    const Json& links = page[links_key];
    if (links.is_object()) {  // Keystone: {"links": {"next": "<url>" or null}}
        const std::string next = optional_string(links, "next");
        return next.empty() ? std::nullopt : std::optional(next);
    }
    if (!links.is_array()) throw FieldError{std::string(links_key), "is not an array"};
    for (const Json& link : links)
        if (optional_string(link, "rel") == "next") return string_field(link, "href");
    return std::nullopt;
}

std::string without_query(const std::string& path) { return path.substr(0, path.find('?')); }

}  // namespace

Session::Session(Credentials credentials, RetryPolicy retry, net::TransportOptions transport)
    : credentials_(std::move(credentials)), retry_(std::move(retry)), transport_(std::move(transport)) {}

Result<net::HttpResponse> Session::send(const net::HttpRequest& request, Idempotency idempotency, Service service) {
    const auto start = steady_clock::now();
    for (int failures = 1;; ++failures) {
        auto result = transport_.perform(request);
        metrics::process_registry().add(
            metrics::kCloudRequests,
            {{"service", service_name(service)}, {"method", request.method}, {"status_class", status_class(result)}});
        const AttemptOutcome outcome = outcome_of(result);
        const auto elapsed = std::chrono::duration_cast<Millis>(steady_clock::now() - start);
        const auto delay = retry_delay(retry_, outcome, idempotency, failures, elapsed, jitter());
        if (!delay) {
            if (!result) result.error().maybe_applied = may_have_been_applied(outcome, idempotency);
            return result;
        }
        log::warning("openstack", "{} {}: {}; attempt {} failed, retrying in {} ms", request.method,
                     redact_url(request.url), describe(result), failures, delay->count());
        std::this_thread::sleep_for(*delay);
    }
}

Result<net::HttpResponse> Session::call(const ServiceRequest& request) {
    for (int attempt = 1;; ++attempt) {
        auto http = build(request);
        if (!http) return http.error();
        auto response = send(*http, request.idempotency, request.service);
        if (!response) return response.error();
        if (response->status == 401 && attempt == 1) {  // revoked or expired early: renew once
            forget_token(request.project_id);
            continue;
        }
        if (response->status < 400) return response;
        Error error = error_from_response(*http, *response);
        error.maybe_applied =
            may_have_been_applied(AttemptOutcome{response->status, {}, true, {}}, request.idempotency);
        return error;
    }
}

Result<net::HttpRequest> Session::build(const ServiceRequest& request) {
    auto base = endpoint(request.service, request.project_id);
    if (!base) return base.error();
    auto version = microversion(request.service);
    if (!version) return version.error();
    auto scoped = token(request.project_id);
    if (!scoped) return scoped.error();
    net::HttpRequest http{request.method,
                          *base + request.path,
                          {{"X-Auth-Token", scoped->value}, {"Accept", "application/json"}},
                          request.body};
    if (!request.body.empty()) http.headers.emplace_back("Content-Type", "application/json");
    if (*version)
        http.headers.emplace_back(
            "OpenStack-API-Version",
            fmt::format("{} {}", request.service == Service::compute ? "compute" : "volume", (*version)->str()));
    return http;
}

Status Session::get_all(const ServiceRequest& request, std::string_view links_key, std::string_view call_name,
                        const std::function<void(const Json&)>& on_page, ItemFields keep) {
    ServiceRequest page_request = request;
    for (;;) {
        auto response = call(page_request);
        if (!response) return response.error();
        std::optional<std::string> next;
        auto parsed = parse_response(
            call_name, response->body,
            [&](const Json& page) {
                on_page(page);
                next = next_link(page, links_key);
                return true;
            },
            keep);
        if (!parsed) return parsed.error();
        if (!next) return {};
        const auto query = next->find('?');
        const std::string next_path =
            without_query(request.path) + (query == std::string::npos ? "" : next->substr(query));
        if (query == std::string::npos || next_path == page_request.path)
            return make_error(ErrorKind::invalid_input,
                              fmt::format("{}: next link '{}' does not advance", call_name, *next));
        page_request.path = next_path;
    }
}

Result<std::string> Session::endpoint(Service service, const std::string& project_id) {
    auto own = token("");
    if (!own) return own.error();
    const std::string& interface = credentials_.interface;
    const std::string& region = credentials_.region_name;
    switch (service) {
        case Service::identity: {
            auto url = own->catalog.endpoint({"identity"}, interface, region);
            return url ? url : Result<std::string>(identity_v3_url(credentials_.auth_url));
        }
        case Service::compute:
            return own->catalog.endpoint({"compute"}, interface, region);
        case Service::block_storage: {
            auto url = own->catalog.endpoint({"block-storage", "volumev3"}, interface, region);
            if (!url || project_id.empty()) return url;
            return for_project(*url, own->project_id, project_id);
        }
    }
    return make_error(ErrorKind::internal, "unknown service");
}

Result<std::optional<Microversion>> Session::microversion(Service service) {
    MutexLock lock(versions_mutex_);
    if (auto it = versions_.find(service); it != versions_.end()) return it->second;
    auto found = discover(service);
    if (found) versions_[service] = *found;
    return found;
}

Result<std::optional<Microversion>> Session::discover(Service service) {
    const auto wanted = wanted_versions(service);
    if (wanted.empty()) return std::optional<Microversion>();
    auto base = endpoint(service, "");
    if (!base) return base.error();
    const net::HttpRequest request{"GET", discovery_url(service, *base), {{"Accept", "application/json"}}, {}};
    auto response = send(request, Idempotency::idempotent, service);
    if (!response) return response.error();
    // A failing service is not a cloud without microversions: report it and ask again next time.
    if (response->status >= 500) return error_from_response(request, *response);
    auto range = parse_version_document(response->body, service == Service::compute ? "v2.1" : "v3");
    if (response->status >= 400 || !range) {
        log::warning("openstack", "{}: no usable version document at {} ({}); using the base API without microversions",
                     service_name(service), redact_url(request.url),
                     range ? describe(response) : range.error().message);
        return std::optional<Microversion>();
    }
    auto chosen = choose_microversion(*range, wanted);
    log::info("openstack", "{}: the cloud offers {} to {}; using {}", service_name(service), range->min.str(),
              range->max.str(), chosen ? chosen->str() : "no microversion");
    return chosen;
}

Result<std::string> Session::own_project_id() {
    auto own = token("");
    if (!own) return own.error();
    return own->project_id;
}

Result<Token> Session::token(const std::string& project_id) {
    auto own = cached_token("", "");
    if (!own || project_id.empty() || own->project_id == project_id) return own;
    return cached_token(project_id, project_id);
}

Result<Token> Session::cached_token(const std::string& key, const std::string& project_id) {
    MutexLock lock(tokens_mutex_);
    const auto now = Clock::now();
    if (auto it = tokens_.find(key); it != tokens_.end() && now < it->second.renew_at) return it->second.token;
    auto request = token_request(credentials_, project_id);
    if (!request) return request.error();
    const std::string context = fmt::format("authenticating with {}{}", credentials_.source,
                                            project_id.empty() ? "" : " for project " + project_id);
    auto response = send(*request, Idempotency::idempotent);
    if (!response) return response.error().context(context);
    if (response->status >= 400) return error_from_response(*request, *response).context(context);
    auto token = parse_token_response(*response);
    if (!token) return token.error();
    const auto renew_at = std::max(token->expires_at - renew_margin, now + (token->expires_at - now) / 2);
    tokens_[key] = CachedToken{*token, renew_at};
    log::debug("openstack", "new token for {} expires at {}", project_id.empty() ? "own scope" : project_id,
               std::chrono::floor<std::chrono::seconds>(token->expires_at).time_since_epoch().count());
    return token;
}

void Session::forget_token(const std::string& project_id) {
    MutexLock lock(tokens_mutex_);
    tokens_.erase(project_id);
    if (project_id.empty()) return;
    // The project may be the own scope, whose token lives under "".
    if (auto own = tokens_.find(""); own != tokens_.end() && own->second.token.project_id == project_id)
        tokens_.erase(own);
}

}  // namespace staffeln::openstack
