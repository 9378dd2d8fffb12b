#include "simcloud/control.h"

#include <fmt/format.h>

#include <algorithm>

namespace staffeln::sim {
namespace {

bool looks_like_id(const std::string& s) {
    if (s.size() == 36 && s[8] == '-' && s[13] == '-') return true;
    return s.size() == 32 &&
           std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::vector<std::string> split(const std::string& path) {
    std::vector<std::string> out;
    size_t start = 1;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        std::string seg = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (!seg.empty()) out.push_back(seg);
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return out;
}

json rule_json(const FaultRule& r) {
    json j = {{"id", r.id},
              {"method", r.method},
              {"path_prefix", r.path_prefix},
              {"path_suffix", r.path_suffix},
              {"latency_ms", r.latency_ms},
              {"error_rate", r.error_rate},
              {"status", r.status},
              {"retry_after", r.retry_after_s},
              {"drop_rate", r.drop_rate},
              {"expire_token", r.expire_token}};
    j["count"] = r.remaining ? json(*r.remaining) : json(nullptr);
    return j;
}

std::optional<FaultRule> parse_rule(const json& j, std::string& why) {
    if (!j.is_object()) {
        why = "a fault is a JSON object";
        return std::nullopt;
    }
    static const std::vector<std::string> known = {"method", "path_prefix", "path_suffix", "latency_ms",   "error_rate",
                                                   "status", "retry_after", "drop_rate",   "expire_token", "count"};
    for (const auto& [k, v] : j.items())
        if (std::find(known.begin(), known.end(), k) == known.end()) {
            why = "unknown fault field '" + k + "'";
            return std::nullopt;
        }
    try {
        FaultRule r;
        r.method = j.value("method", "");
        r.path_prefix = j.value("path_prefix", "");
        r.path_suffix = j.value("path_suffix", "");
        r.latency_ms = j.value("latency_ms", 0.0);
        r.status = j.value("status", 500);
        r.error_rate = j.value("error_rate", j.contains("status") ? 1.0 : 0.0);
        r.retry_after_s = j.value("retry_after", 1);
        r.drop_rate = j.value("drop_rate", 0.0);
        r.expire_token = j.value("expire_token", false);
        if (j.contains("count") && !j["count"].is_null()) r.remaining = j["count"].get<long>();
        if (r.status < 400 || r.status > 599) {
            why = "status must be an HTTP error status (400-599)";
            return std::nullopt;
        }
        return r;
    } catch (const json::exception& e) {
        why = std::string("malformed fault: ") + e.what();
        return std::nullopt;
    }
}

json backup_state(const Cloud& cloud, const Backup& b) REQUIRES(cloud.mutex) {
    return {{"id", b.id},
            {"volume_id", b.volume_id},
            {"project_id", cloud.projects[b.project].id},
            {"user_id", cloud.users[b.user].id},
            {"status", to_string(b.status)},
            {"name", b.name ? json(*b.name) : json(nullptr)},
            {"description", b.description ? json(*b.description) : json(nullptr)},
            {"is_incremental", b.incremental},
            {"parent_id", b.parent                   ? json(cloud.backups[*b.parent].id)
                          : b.pending_parent.empty() ? json(nullptr)
                                                     : json(b.pending_parent)},
            {"dependents", b.dependents},
            {"num_dependent_backups", b.num_dependent_backups},
            {"size", b.size},
            {"created_at", cinder_time(b.created)},
            {"data_timestamp", cinder_time(b.data_timestamp)},
            {"fail_reason", b.fail_reason ? json(*b.fail_reason) : json(nullptr)},
            {"snapshot_id", b.snapshot_id ? json(*b.snapshot_id) : json(nullptr)},
            {"metadata", b.metadata}};
}

// Every snapshot of every project, in creation order, with the microseconds of its creation.
Reply list_snapshot_state(const Cloud& cloud) REQUIRES(cloud.mutex) {
    json out = json::array();
    for (const Snapshot& s : cloud.snapshots)
        out.push_back({{"id", s.id},
                       {"volume_id", s.volume_id},
                       {"project_id", cloud.projects[s.project].id},
                       {"status", s.status},
                       {"created_at_micros", s.created},
                       {"metadata", s.metadata}});
    return json_reply(200, {{"snapshots", out}});
}

Reply list_backup_state(Cloud& cloud, const Call& call) REQUIRES(cloud.mutex) {
    const OrderedIndex<Backup>* index = &cloud.all_backups;
    static const OrderedIndex<Backup> kEmpty{NewestFirst<Backup>{nullptr}};
    std::optional<Handle> project;
    if (auto p = call.param("project_id")) {
        project = cloud.project(*p);
        auto it = project ? cloud.backups_by_project.find(*project) : cloud.backups_by_project.end();
        index = it == cloud.backups_by_project.end() ? &kEmpty : &it->second;
    }
    if (auto v = call.param("volume_id")) {
        auto it = cloud.backups_by_volume.find(*v);
        index = it == cloud.backups_by_volume.end() ? &kEmpty : &it->second;
    }
    auto status = call.param("status");
    size_t limit = 1000;
    if (auto l = call.param("limit")) limit = static_cast<size_t>(std::max(0L, std::atol(l->c_str())));
    json out = json::array();
    for (Handle h : *index) {
        if (out.size() >= limit) break;
        const Backup& b = cloud.backups[h];
        if ((project && b.project != *project) || (status && *status != to_string(b.status))) continue;
        out.push_back(backup_state(cloud, b));
    }
    return json_reply(200, {{"backups", out}});
}

Reply summary(Cloud& cloud) REQUIRES(cloud.mutex) {
    std::map<std::string, std::uint64_t> by_status;
    for (Handle h : cloud.all_backups) by_status[to_string(cloud.backups[h].status)] += 1;
    return json_reply(200, {{"projects", cloud.projects.size()},
                            {"users", cloud.users.size()},
                            {"servers", cloud.all_servers.size()},
                            {"volumes", cloud.all_volumes.size()},
                            {"backups", cloud.all_backups.size()},
                            {"backups_by_status", by_status},
                            {"tokens", cloud.tokens.size()}});
}

json settings_json(const Settings& s) {
    return {{"backup_create_seconds", s.backup_create_s},     {"backup_delete_seconds", s.backup_delete_s},
            {"backup_import_seconds", s.backup_import_s},     {"backup_error_rate", s.backup_error_rate},
            {"backup_fail_reason", s.backup_fail_reason},     {"snapshot_create_seconds", s.snapshot_create_s},
            {"snapshot_delete_seconds", s.snapshot_delete_s}, {"snapshot_error_rate", s.snapshot_error_rate},
            {"token_lifetime_seconds", s.token_lifetime_s},   {"volume_create_seconds", s.volume_create_s},
            {"volume_delete_seconds", s.volume_delete_s},     {"restore_seconds_per_gib", s.restore_s_per_gib},
            {"restore_error_rate", s.restore_error_rate},     {"server_boot_seconds", s.server_boot_s},
            {"server_error_rate", s.server_error_rate},       {"server_fault", s.server_fault}};
}

Reply update_settings(Cloud& cloud, const json& body) REQUIRES(cloud.mutex) {
    if (!body.is_object()) return json_reply(400, {{"error", "config is a JSON object"}});
    Settings s = cloud.settings;
    try {
        for (const auto& [k, v] : body.items()) {
            if (k == "backup_create_seconds")
                s.backup_create_s = v.get<double>();
            else if (k == "backup_delete_seconds")
                s.backup_delete_s = v.get<double>();
            else if (k == "backup_import_seconds")
                s.backup_import_s = v.get<double>();
            else if (k == "backup_error_rate")
                s.backup_error_rate = v.get<double>();
            else if (k == "backup_fail_reason")
                s.backup_fail_reason = v.get<std::string>();
            else if (k == "snapshot_create_seconds")
                s.snapshot_create_s = v.get<double>();
            else if (k == "snapshot_delete_seconds")
                s.snapshot_delete_s = v.get<double>();
            else if (k == "snapshot_error_rate")
                s.snapshot_error_rate = v.get<double>();
            else if (k == "token_lifetime_seconds")
                s.token_lifetime_s = v.get<double>();
            else if (k == "volume_create_seconds")
                s.volume_create_s = v.get<double>();
            else if (k == "volume_delete_seconds")
                s.volume_delete_s = v.get<double>();
            else if (k == "restore_seconds_per_gib")
                s.restore_s_per_gib = v.get<double>();
            else if (k == "restore_error_rate")
                s.restore_error_rate = v.get<double>();
            else if (k == "server_boot_seconds")
                s.server_boot_s = v.get<double>();
            else if (k == "server_error_rate")
                s.server_error_rate = v.get<double>();
            else if (k == "server_fault")
                s.server_fault = v.get<std::string>();
            else
                return json_reply(400, {{"error", "unknown setting '" + k + "'"}});
        }
    } catch (const json::exception& e) {
        return json_reply(400, {{"error", std::string("malformed setting: ") + e.what()}});
    }
    cloud.settings = s;
    return json_reply(200, settings_json(s));
}

Reply backup_control(Cloud& cloud, const Call& call, const std::string& id) REQUIRES(cloud.mutex) {
    auto h = cloud.backup(id);
    if (!h) return json_reply(404, {{"error", "no backup " + id}});
    const std::string& m = call.req.method;
    if (m == "GET") return json_reply(200, {{"backup", backup_state(cloud, cloud.backups[*h])}});
    if (m == "DELETE") {  // the row is gone from Cinder's database, as if that database were lost
        cloud.backups[*h].purged = true;
        cloud.remove_backup(*h);
        return empty_reply(204);
    }
    if (m == "PATCH") {
        json body = json::parse(call.req.body, nullptr, false);
        std::string status = body.is_object() ? body.value("status", "") : "";
        Backup& b = cloud.backups[*h];
        if (status == "available")
            cloud.set_status(*h, BackupStatus::available, call.now);
        else if (status == "error")
            cloud.set_status(*h, BackupStatus::error, call.now);
        else if (status == "restoring")
            cloud.set_status(*h, BackupStatus::restoring, call.now);
        else
            return json_reply(400, {{"error", "status must be available, error or restoring"}});
        if (body.contains("fail_reason") && body["fail_reason"].is_string())
            b.fail_reason = body["fail_reason"].get<std::string>();
        return json_reply(200, {{"backup", backup_state(cloud, b)}});
    }
    return json_reply(405, {{"error", "method not allowed"}});
}

Reply expire_tokens(Cloud& cloud, const Call& call) REQUIRES(cloud.mutex) {
    json body = json::parse(call.req.body.empty() ? "{}" : call.req.body, nullptr, false);
    std::optional<Handle> user;
    if (body.is_object() && body.contains("user")) {
        user = cloud.user(body.value("user", ""));
        if (!user) return json_reply(404, {{"error", "no user " + body.value("user", "")}});
    }
    std::uint64_t n = 0;
    for (auto& [id, t] : cloud.tokens) {
        if (user && t.user != *user) continue;
        if (t.expires > call.now) ++n;
        t.expires = std::min(t.expires, call.now);
    }
    return json_reply(200, {{"expired", n}});
}

Reply state_api(Cloud& cloud, const Call& call) EXCLUDES(cloud.mutex) {
    const auto& s = call.segs;
    const std::string& m = call.req.method;
    MutexLock lock(cloud.mutex);
    cloud.advance(call.now);
    if (s[0] == "state" && m == "GET") return summary(cloud);
    if (s[0] == "settle" && m == "POST") {
        auto only = call.param("only");
        if (only && *only != "snapshots") return json_reply(400, {{"error", "only=snapshots is the one filter"}});
        if (only)
            cloud.settle_snapshots(call.now);
        else
            cloud.settle(call.now);
        return summary(cloud);
    }
    if (s[0] == "config" && m == "GET") return json_reply(200, settings_json(cloud.settings));
    if (s[0] == "config" && (m == "PUT" || m == "PATCH"))
        return update_settings(cloud, json::parse(call.req.body, nullptr, false));
    if (s[0] == "tokens" && s.size() == 2 && s[1] == "expire" && m == "POST") return expire_tokens(cloud, call);
    if (s[0] == "backups" && s.size() == 1 && m == "GET") return list_backup_state(cloud, call);
    if (s[0] == "backups" && s.size() == 2) return backup_control(cloud, call, s[1]);
    if (s[0] == "snapshots" && s.size() == 1 && m == "GET") return list_snapshot_state(cloud);
    if (s[0] == "volumes" && s.size() == 3 && s[2] == "detach" && m == "POST") {
        auto h = cloud.volume(s[1]);
        if (!h) return json_reply(404, {{"error", "no volume " + s[1]}});
        cloud.detach(*h);
        return empty_reply(204);
    }
    return json_reply(404, {{"error", "no such control endpoint: " + call.req.path}});
}

}  // namespace

Reply injected_error(const std::string& path, int status, int retry_after_s) {
    static const std::map<int, std::string> kTexts = {
        {429, "This request was rate-limited."},
        {500, "The server has either erred or is incapable of performing the requested operation."},
        {502, "Bad Gateway"},
        {503, "The service is unavailable at this time."},
        {504, "Gateway Timeout"}};
    auto text = kTexts.count(status) ? kTexts.at(status) : fmt::format("Injected fault {}", status);
    Reply r = path.rfind("/identity", 0) == 0 ? keystone_error(status, text) : fault(status, text);
    if (status == 429 && path.rfind("/identity", 0) != 0) {
        json body = json::parse(r.body);
        body["overLimit"]["retryAfter"] = std::to_string(retry_after_s);
        r.body = body.dump();
    }
    if (status == 429 || status == 503) r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
    return r;
}

std::string normalise_path(const std::string& method, const std::string& path) {
    std::vector<std::string> segs = split(path);
    std::string out = method + " ";
    for (size_t i = 0; i < segs.size(); ++i) {
        std::string seg = segs[i];
        if (i == 2 && segs[0] == "volume" && segs[1] == "v3")
            seg = "{project_id}";
        else if (i > 0 && segs[i - 1] == "metadata")
            seg = "{key}";
        else if (looks_like_id(seg))
            seg = "{id}";
        out += "/" + seg;
    }
    return segs.empty() ? out + "/" : out;
}

FaultDecision Control::decide(const std::string& method, const std::string& path) {
    MutexLock lock(mutex_);
    FaultDecision d;
    std::uniform_real_distribution<double> chance(0.0, 1.0);
    for (FaultRule& r : rules_) {
        if (!r.method.empty() && r.method != method) continue;
        if (!r.path_prefix.empty() && path.rfind(r.path_prefix, 0) != 0) continue;
        if (!std::string_view(path).ends_with(r.path_suffix)) continue;
        d.latency += std::chrono::microseconds(static_cast<long>(r.latency_ms * 1000));
        if (!d.error_status && r.error_rate > 0 && chance(random_) < r.error_rate) {
            d.error_status = r.status;
            d.retry_after_s = r.retry_after_s;
        }
        if (r.drop_rate > 0 && chance(random_) < r.drop_rate) d.drop = true;
        d.expire_token = d.expire_token || r.expire_token;
        if (r.remaining) --*r.remaining;
    }
    std::erase_if(rules_, [](const FaultRule& r) { return r.remaining && *r.remaining <= 0; });
    return d;
}

void Control::count(const std::string& method, const std::string& path) {
    std::string key = normalise_path(method, path);
    MutexLock lock(mutex_);
    counts_[key] += 1;
    total_ += 1;
}

Reply Control::faults(const Call& call) {
    const std::string& m = call.req.method;
    MutexLock lock(mutex_);
    if (m == "GET") {
        json out = json::array();
        for (const FaultRule& r : rules_) out.push_back(rule_json(r));
        return json_reply(200, {{"faults", out}});
    }
    if (m == "POST") {
        std::string why;
        auto rule = parse_rule(json::parse(call.req.body, nullptr, false), why);
        if (!rule) return json_reply(400, {{"error", why}});
        rule->id = next_id_++;
        rules_.push_back(*rule);
        return json_reply(201, {{"fault", rule_json(*rule)}});
    }
    if (m == "DELETE" && call.segs.size() == 1) {
        rules_.clear();
        return empty_reply(204);
    }
    if (m == "DELETE" && call.segs.size() == 2) {
        int id = std::atoi(call.segs[1].c_str());
        auto n = std::erase_if(rules_, [&](const FaultRule& r) { return r.id == id; });
        return n ? empty_reply(204) : json_reply(404, {{"error", "no fault " + call.segs[1]}});
    }
    return json_reply(405, {{"error", "method not allowed"}});
}

Reply Control::counters(const Call& call) {
    MutexLock lock(mutex_);
    if (call.req.method == "DELETE" ||
        (call.req.method == "POST" && call.segs.size() == 2 && call.segs[1] == "reset")) {
        counts_.clear();
        total_ = 0;
        return empty_reply(204);
    }
    return json_reply(200, {{"total", total_}, {"requests", counts_}});
}

Reply Control::handle(Cloud& cloud, const Call& call) {
    if (call.segs.empty()) return json_reply(404, {{"error", "no such control endpoint: " + call.req.path}});
    if (call.segs[0] == "faults") return faults(call);
    if (call.segs[0] == "counters") return counters(call);
    return state_api(cloud, call);
}

}  // namespace staffeln::sim
