#include "support/kube_api_server.h"

#include "support/ports.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <regex>
#include <stdexcept>

namespace staffeln::testing {

using nlohmann::json;

namespace {

constexpr const char* kGroup = "coordination.k8s.io";
constexpr const char* kPath = R"(/apis/coordination\.k8s\.io/v1/namespaces/([^/]+)/leases(?:/([^/]+))?)";

void run(const std::string& command) {
    if (std::system((command + " 2>/dev/null").c_str()) != 0) throw std::runtime_error("failed: " + command);
}

void make_ca(const std::filesystem::path& cert, const std::filesystem::path& key) {
    run(fmt::format("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-cluster-ca -keyout {} -out {}",
                    key.string(), cert.string()));
}

// A DNS subdomain (RFC 1123), as metadata.name of a Lease must be.
bool dns_subdomain(const std::string& name) {
    static const std::regex pattern(R"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)");
    return !name.empty() && name.size() <= 253 && std::regex_match(name, pattern);
}

json status(int code, const std::string& reason, const std::string& message, const std::string& name) {
    json out{{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
             {"status", "Failure"}, {"message", message}, {"reason", reason},
             {"code", code}};
    if (!name.empty() || reason == "Forbidden" || reason == "NotFound")
        out["details"] = json{{"name", name}, {"group", kGroup}, {"kind", "leases"}};
    if (name.empty() && out.contains("details")) out["details"].erase("name");
    return out;
}

std::string now_rfc3339() {
    auto now = std::chrono::system_clock::now();
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
    std::time_t secs = us / 1'000'000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                       tm.tm_min, tm.tm_sec);
}

// The first invalid field of a Lease's spec, as the API server's validation words it.
std::optional<std::pair<std::string, std::string>> invalid_spec(const json& spec) {
    if (!spec.is_object()) return std::nullopt;
    if (auto d = spec.find("leaseDurationSeconds");
        d != spec.end() && d->is_number_integer() && d->get<long long>() <= 0)
        return std::make_pair("spec.leaseDurationSeconds",
                              fmt::format("Invalid value: {}: must be greater than 0", d->get<long long>()));
    if (auto t = spec.find("leaseTransitions"); t != spec.end() && t->is_number_integer() && t->get<long long>() < 0)
        return std::make_pair(
            "spec.leaseTransitions",
            fmt::format("Invalid value: {}: must be greater than or equal to 0", t->get<long long>()));
    return std::nullopt;
}

}  // namespace

KubeApiServer::KubeApiServer() {
    ca_ = dir_ / "ca.pem";
    ca_key_ = dir_ / "ca-key.pem";
    cert_ = dir_ / "server.pem";
    key_ = dir_ / "server-key.pem";
    make_ca(ca_, ca_key_);
    auto csr = dir_ / "server.csr";
    auto ext = dir_.write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    run(fmt::format("openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout {} -out {}", key_.string(),
                    csr.string()));
    run(fmt::format("openssl x509 -req -in {} -CA {} -CAkey {} -CAcreateserial -days 1 -extfile {} -out {}",
                    csr.string(), ca_.string(), ca_key_.string(), ext.string(), cert_.string()));
    server_ = std::make_unique<httplib::SSLServer>(cert_.c_str(), key_.c_str());
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
    server_->Get(kPath, handler);
    server_->Post(kPath, handler);
    server_->Put(kPath, handler);
    server_->Delete(kPath, handler);
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("the simulated Kubernetes API server could not bind");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
}

KubeApiServer::~KubeApiServer() {
    server_->stop();
    thread_.join();
}

std::string KubeApiServer::url() const { return fmt::format("https://127.0.0.1:{}", port_); }

std::filesystem::path KubeApiServer::other_ca_file() {
    auto cert = dir_ / "other-ca.pem";
    if (!std::filesystem::exists(cert)) make_ca(cert, dir_ / "other-ca-key.pem");
    return cert;
}

std::filesystem::path KubeApiServer::write_kubeconfig(const std::filesystem::path& token_file) {
    return dir_.write("kubeconfig", fmt::format(R"(apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: {}
    certificate-authority: {}
users:
- name: staffeln
  user:
    tokenFile: {}
contexts:
- name: test
  context:
    cluster: test
    user: staffeln
current-context: test
)",
                                                url(), ca_.string(), token_file.string()));
}

void KubeApiServer::allow_token(const std::string& token, bool may_use_leases) {
    std::lock_guard guard(mutex_);
    tokens_[token] = may_use_leases;
}

void KubeApiServer::forget_token(const std::string& token) {
    std::lock_guard guard(mutex_);
    tokens_.erase(token);
}

json KubeApiServer::lease(const std::string& ns, const std::string& name) {
    std::lock_guard guard(mutex_);
    auto it = leases_.find(ns + "/" + name);
    return it == leases_.end() ? json() : it->second;
}

void KubeApiServer::put_lease(const std::string& ns, const std::string& name, const json& spec) {
    std::lock_guard guard(mutex_);
    json& stored = leases_[ns + "/" + name];
    if (stored.is_null())
        stored = json{{"kind", "Lease"},
                      {"apiVersion", "coordination.k8s.io/v1"},
                      {"metadata",
                       {{"name", name},
                        {"namespace", ns},
                        {"uid", fmt::format("00000000-0000-4000-8000-{:012}", ++uid_)},
                        {"creationTimestamp", now_rfc3339()}}}};
    stored["spec"] = spec;
    stored["metadata"]["resourceVersion"] = std::to_string(++resource_version_);
}

int KubeApiServer::requests(const std::string& method) {
    std::lock_guard guard(mutex_);
    return requests_[method];
}

void KubeApiServer::answer_next(const std::string& method, int status, const std::string& body) {
    std::lock_guard guard(mutex_);
    next_answers_[method] = {status, body};
}

void KubeApiServer::handle(const httplib::Request& req, httplib::Response& res) {
    const std::string ns = req.matches[1];
    const std::string name = req.matches.size() > 2 ? std::string(req.matches[2]) : std::string();
    auto answer = [&](int code, const json& body) {
        res.status = code, res.set_content(body.dump(), "application/json");
    };
    auto fail = [&](int code, const std::string& reason, const std::string& message, const std::string& n) {
        answer(code, status(code, reason, message, n));
    };
    const std::string verb = req.method == "GET"    ? "get"
                             : req.method == "POST" ? "create"
                             : req.method == "PUT"  ? "update"
                                                    : "delete";
    std::lock_guard guard(mutex_);
    ++requests_[req.method];

    auto auth = req.get_header_value("Authorization");
    auto token = tokens_.find(auth.starts_with("Bearer ") ? auth.substr(7) : std::string());
    if (token == tokens_.end()) return fail(401, "Unauthorized", "Unauthorized", "");
    if (!token->second) {
        std::string what =
            name.empty() ? "leases.coordination.k8s.io" : fmt::format("leases.coordination.k8s.io \"{}\"", name);
        return fail(403, "Forbidden",
                    fmt::format("{} is forbidden: User \"system:serviceaccount:{}:staffeln\" cannot {} resource "
                                "\"leases\" in API group \"coordination.k8s.io\" in the namespace \"{}\"",
                                what, ns, verb, ns),
                    name);
    }
    if (auto next = next_answers_.find(req.method); next != next_answers_.end()) {
        res.status = next->second.first, res.set_content(next->second.second, "application/json");
        next_answers_.erase(next);
        return;
    }
    if (req.method == "GET" && name.empty()) {
        json items = json::array();
        for (const auto& [k, lease] : leases_)
            if (lease["metadata"]["namespace"] == ns) items.push_back(lease);
        return answer(200, json{{"kind", "LeaseList"},
                                {"apiVersion", "coordination.k8s.io/v1"},
                                {"metadata", {{"resourceVersion", std::to_string(resource_version_)}}},
                                {"items", items}});
    }
    if ((req.method == "POST") == !name.empty())
        return fail(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", name);

    const std::string key = ns + "/" + name;
    auto stored = leases_.find(key);
    auto not_found = [&] {
        fail(404, "NotFound", fmt::format("leases.coordination.k8s.io \"{}\" not found", name), name);
    };
    if (req.method == "GET") return stored == leases_.end() ? not_found() : answer(200, stored->second);
    if (req.method == "DELETE") {
        if (stored == leases_.end()) return not_found();
        json details{{"name", name}, {"group", kGroup}, {"kind", "leases"}, {"uid", stored->second["metadata"]["uid"]}};
        leases_.erase(stored);
        return answer(200, json{{"kind", "Status"},
                                {"apiVersion", "v1"},
                                {"metadata", json::object()},
                                {"status", "Success"},
                                {"details", details}});
    }

    auto body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.value("metadata", json::object()).is_object())
        return fail(400, "BadRequest", "the body of the request was in an unknown format", name);
    if (body.value("kind", "Lease") != "Lease" ||
        body.value("apiVersion", "coordination.k8s.io/v1") != "coordination.k8s.io/v1")
        return fail(400, "BadRequest", "the API version in the data does not match the expected API version", name);
    json metadata = body.value("metadata", json::object());
    std::string object_name = metadata.value("name", "");
    if (req.method == "PUT" && object_name != name)
        return fail(
            400, "BadRequest",
            fmt::format("the name of the object ({}) does not match the name on the URL ({})", object_name, name),
            name);
    if (metadata.contains("namespace") && metadata["namespace"] != ns)
        return fail(400, "BadRequest",
                    "the namespace of the provided object does not match the namespace sent on the request",
                    object_name);
    auto invalid = [&](const std::string& field, const std::string& why) {
        json s = status(422, "Invalid",
                        fmt::format("Lease.coordination.k8s.io \"{}\" is invalid: {}: {}", object_name, field, why),
                        object_name);
        s["details"]["kind"] = "Lease";
        s["details"]["causes"] = json::array({{{"reason", "FieldValueInvalid"}, {"message", why}, {"field", field}}});
        answer(422, s);
    };
    if (object_name.empty()) return invalid("metadata.name", "Required value: name or generateName is required");
    if (!dns_subdomain(object_name))
        return invalid(
            "metadata.name",
            fmt::format("Invalid value: \"{}\": a lowercase RFC 1123 subdomain must consist of lower case "
                        "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                        object_name));
    if (auto bad = invalid_spec(body.value("spec", json::object()))) return invalid(bad->first, bad->second);

    json spec = body.value("spec", json::object());
    if (req.method == "POST") {
        if (leases_.contains(ns + "/" + object_name))
            return fail(409, "AlreadyExists",
                        fmt::format("leases.coordination.k8s.io \"{}\" already exists", object_name), object_name);
        json created{{"kind", "Lease"},
                     {"apiVersion", "coordination.k8s.io/v1"},
                     {"metadata",
                      {{"name", object_name},
                       {"namespace", ns},
                       {"uid", fmt::format("00000000-0000-4000-8000-{:012}", ++uid_)},
                       {"resourceVersion", std::to_string(++resource_version_)},
                       {"creationTimestamp", now_rfc3339()}}},
                     {"spec", spec}};
        leases_[ns + "/" + object_name] = created;
        return answer(201, created);
    }
    if (stored == leases_.end()) return not_found();
    std::string version = metadata.value("resourceVersion", "");
    if (!version.empty() && version != stored->second["metadata"]["resourceVersion"])
        return fail(
            409, "Conflict",
            fmt::format("Operation cannot be fulfilled on leases.coordination.k8s.io \"{}\": the object has been "
                        "modified; please apply your changes to the latest version and try again",
                        name),
            name);
    stored->second["spec"] = spec;
    stored->second["metadata"]["resourceVersion"] = std::to_string(++resource_version_);
    answer(200, stored->second);
}

}  // namespace staffeln::testing
