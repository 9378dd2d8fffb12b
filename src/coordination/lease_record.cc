#include "staffeln/coordination/lease_record.h"

#include <fmt/format.h>

#include <cctype>
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
    // Exactly "YYYY-MM-DDTHH:MM:SS", then an optional fraction, then "Z".
    auto digits = [&](std::size_t pos, std::size_t count) -> std::optional<int> {
        if (pos + count > text.size()) return std::nullopt;
        int value = 0;
        for (std::size_t i = pos; i < pos + count; ++i) {
            if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
            value = value * 10 + (text[i] - '0');
        }
        return value;
    };
    auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
    auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
    if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':')
        return std::nullopt;
    long long micros = 0;
    std::size_t at = 19;
    if (at < text.size() && text[at] == '.') {
        int count = 0;
        for (++at; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); ++at, ++count)
            if (count < 6) micros = micros * 10 + (text[at] - '0');
        if (count == 0) return std::nullopt;
        for (; count < 6; ++count) micros *= 10;
    }
    if (at + 1 != text.size() || text[at] != 'Z') return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(*month),
                                           std::chrono::day(*day)};
    // 1970 to 2200 as openstack/iso_time.h reads times: a later year overflows the clock's nanoseconds.
    if (!date.ok() || *year < 1970 || *year > 2200 || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
    const auto seconds = std::chrono::sys_days(date) + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
                         std::chrono::seconds(*second);
    return WallTime(
        std::chrono::duration_cast<WallTime::duration>(seconds.time_since_epoch() + std::chrono::microseconds(micros)));
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
