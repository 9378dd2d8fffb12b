#include "staffeln/coordination/lease_record.h"

#include <fmt/format.h>

#include <cstdio>
#include <ctime>

namespace staffeln::coordination {

using nlohmann::json;

std::string format_micro_time(WallTime at) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, us % 1'000'000);
}

std::optional<WallTime> parse_micro_time(std::string_view text) {
    std::tm tm{};
    int consumed = 0;
    std::string s(text);
    if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec, &consumed) != 6)
        return std::nullopt;
    long long micros = 0;
    std::size_t at = static_cast<std::size_t>(consumed);
    if (at < s.size() && s[at] == '.') {
        int digits = 0;
        for (++at; at < s.size() && std::isdigit(static_cast<unsigned char>(s[at])); ++at, ++digits)
            if (digits < 6) micros = micros * 10 + (s[at] - '0');
        for (; digits < 6; ++digits) micros *= 10;
    }
    if (at + 1 != s.size() || s[at] != 'Z') return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::microseconds(micros);
}

Result<LeaseRecord> lease_from_json(const json& lease) {
    auto bad = [](std::string_view why) { return make_error(ErrorKind::unavailable, fmt::format("Lease {}", why)); };
    if (!lease.is_object()) return bad("is not a JSON object");
    auto m = lease.find("metadata");
    if (m == lease.end() || !m->is_object()) return bad("metadata is not an object");
    const json& metadata = *m;
    static const json no_spec = json::object();
    auto sp = lease.find("spec");
    if (sp != lease.end() && !sp->is_null() && !sp->is_object()) return bad("spec is not an object");
    const json& spec = sp != lease.end() && sp->is_object() ? *sp : no_spec;
    LeaseRecord out;
    auto name = metadata.find("name");
    if (name == metadata.end() || !name->is_string()) return bad("metadata.name is not a string");
    out.name = name->get<std::string>();
    auto version = metadata.find("resourceVersion");
    if (version != metadata.end() && !version->is_string())
        return bad(fmt::format("{}: metadata.resourceVersion is not a string", out.name));
    if (version != metadata.end()) out.resource_version = version->get<std::string>();
    if (auto h = spec.find("holderIdentity"); h != spec.end() && h->is_string()) out.holder = h->get<std::string>();
    // Bounded so that time arithmetic stays in range; out of bounds reads as absent (this node's
    // own lease length then applies).
    constexpr long long kMaxLeaseSeconds = 366LL * 24 * 3600;
    if (auto d = spec.find("leaseDurationSeconds");
        d != spec.end() && d->is_number_integer() && d->get<long long>() > 0 && d->get<long long>() <= kMaxLeaseSeconds)
        out.duration = std::chrono::seconds(d->get<long long>());
    if (auto t = spec.find("leaseTransitions"); t != spec.end() && t->is_number_integer())
        out.transitions = t->get<long long>();
    auto time_field = [&](const char* field) -> std::optional<WallTime> {
        auto f = spec.find(field);
        return f != spec.end() && f->is_string() ? parse_micro_time(f->get<std::string>()) : std::nullopt;
    };
    out.acquire_time = time_field("acquireTime");
    out.renew_time = time_field("renewTime");
    return out;
}

json lease_to_json(const LeaseRecord& lease) {
    json metadata{{"name", lease.name}};
    if (!lease.resource_version.empty()) metadata["resourceVersion"] = lease.resource_version;
    json spec{{"leaseDurationSeconds", lease.duration.count()}, {"leaseTransitions", lease.transitions}};
    if (!lease.holder.empty()) spec["holderIdentity"] = lease.holder;
    if (lease.acquire_time) spec["acquireTime"] = format_micro_time(*lease.acquire_time);
    if (lease.renew_time) spec["renewTime"] = format_micro_time(*lease.renew_time);
    return json{{"apiVersion", "coordination.k8s.io/v1"}, {"kind", "Lease"}, {"metadata", metadata}, {"spec", spec}};
}

LeaseSighting observe(const std::optional<LeaseSighting>& last, const LeaseRecord& current, SteadyTime now) {
    if (last && last->resource_version == current.resource_version) return *last;
    return LeaseSighting{current.resource_version, now};
}

bool free_to_take(const LeaseRecord& current, const LeaseSighting& seen, SteadyTime now,
                  std::chrono::seconds fallback_duration) {
    if (current.holder.empty()) return true;
    auto duration = current.duration > std::chrono::seconds(0) ? current.duration : fallback_duration;
    return seen.resource_version == current.resource_version && now - seen.first_seen >= duration;
}

}  // namespace staffeln::coordination
