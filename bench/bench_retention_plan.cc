// Plans retention over a synthetic cloud of up to 1,000,000 backup records and prints, per size,
// the time to build the planner's input, the time to plan, and the peak RSS (getrusage).
// Shape: 10 backups per volume (a full then incrementals, one a day), 2 volumes per server,
// 90% of servers tagged, a third of them with their own retention (one in 1,000 invalid), 10% of backups a user's,
// 1% of staffeln's from failed tasks. Target: 1,000,000 records planned in < 2 s, < 256 MB.
// Then the cost in the records of one volume (O(n log n)): one volume with up to 100,000 backups,
// one an hour, each with its task's record (a succeeded task keeps its record as long as its backup).
// Usage: bench_retention_plan [max records] [retention policy, e.g. last=3,daily=7,weekly=4,monthly=12,yearly=2]
#include "staffeln/core/backup_tag.h"
#include "staffeln/core/retention_planner.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace staffeln;
using namespace staffeln::core;

namespace {

constexpr int kBackupsPerVolume = 10;
constexpr int kVolumesPerServer = 2;
const TimePoint kNow{std::chrono::seconds(1'763'785'360)};

std::string uuid(char kind, std::uint64_t n) {
    return fmt::format("{:c}{:07x}-{:04x}-4{:03x}-8{:03x}-{:012x}", kind, n & 0xfffffff, (n >> 7) & 0xffff, n & 0xfff,
                       (n >> 3) & 0xfff, n * 2654435761u & 0xffffffffffff);
}

long peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Server make_server(std::uint64_t s) {
    Server server;
    server.id = uuid('s', s);
    server.name = fmt::format("server-{}", s);
    server.project_id = uuid('p', s % 100);
    if (s % 10 != 0) server.metadata["__staffeln_retention_tag"] = "true";
    if (s % 3 == 0) server.metadata["__staffeln_retention"] = s % 2 ? "5d" : "2w";
    if (s % 1000 == 1) server.metadata["__staffeln_retention"] = "5x";  // invalid: a warning
    for (int v = 0; v < kVolumesPerServer; ++v) server.volume_ids.push_back(uuid('v', s * kVolumesPerServer + v));
    return server;
}

Backup make_backup(const Server& server, int v, int k, std::uint64_t n) {
    Backup b;
    b.id = uuid('b', n);
    b.volume_id = server.volume_ids[static_cast<std::size_t>(v)];
    b.project_id = server.project_id;
    b.status = "available";
    b.is_incremental = k % 5 != 0;
    b.created_at = kNow - std::chrono::days(kBackupsPerVolume - k) * 3;
    b.data_timestamp = b.created_at;
    if (n % 10 != 7) b.metadata = tag_fields(uuid('t', n), TagForm::metadata).metadata;
    if (n % 100 == 3) b.status = "error";
    return b;
}

RetentionInput make_input(std::size_t records) {
    RetentionInputBuilder builder;
    builder.reserve(records);
    std::uint64_t n = 0;
    for (std::uint64_t s = 0; n < records; ++s) {
        Server server = make_server(s);
        for (int v = 0; v < kVolumesPerServer && n < records; ++v)
            for (int k = 0; k < kBackupsPerVolume && n < records; ++k, ++n) {
                Backup b = make_backup(server, v, k, n);
                builder.add_backup(b);
                if (b.status == "error") {
                    TaskRecord failed;
                    failed.task_id = uuid('t', n);
                    failed.backup_id = b.id;
                    failed.volume_id = b.volume_id;
                    failed.status = TaskStatus::failed;
                    builder.input().closed_tasks.push_back(std::move(failed));
                }
            }
        builder.input().servers.push_back(std::move(server));
    }
    return std::move(builder.input());
}

// One tagged server's volume with `records` staffeln backups, one an hour, the newest an hour old.
RetentionInput one_volume(std::size_t records) {
    RetentionInputBuilder builder;
    builder.reserve(records);
    Server server = make_server(1);
    for (std::uint64_t n = 0; n < records; ++n) {
        Backup b;
        b.id = uuid('b', n);
        b.volume_id = server.volume_ids[0];
        b.project_id = server.project_id;
        b.status = "available";
        b.is_incremental = n % 24 != 0;
        b.created_at = kNow - std::chrono::hours(records - n);
        b.data_timestamp = b.created_at;
        b.metadata = tag_fields(uuid('t', n), TagForm::metadata).metadata;
        builder.add_backup(b);
        TaskRecord done;
        done.task_id = uuid('t', n);
        done.backup_id = b.id;
        done.volume_id = b.volume_id;
        done.status = TaskStatus::succeeded;
        builder.input().closed_tasks.push_back(std::move(done));
    }
    builder.input().servers.push_back(std::move(server));
    return std::move(builder.input());
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t max_records = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
    RetentionPolicy policy;
    policy.backup_metadata_key = "__staffeln_retention_tag";
    policy.retention_metadata_key = "__staffeln_retention";
    policy.retention_time = std::chrono::days(10);
    if (argc > 2) {
        auto rules = parse_retention_rules(argv[2]);
        if (!rules) {
            fmt::print(stderr, "{}\n", rules.error().message);
            return 2;
        }
        policy.rules = *rules;
        fmt::print("retention policy {}\n", format_retention_rules(*rules));
    }
    fmt::print("{:>10} {:>9} {:>9} {:>9} {:>9} {:>8} {:>14} {:>12}\n", "records", "build s", "plan s", "deletes",
               "keeps", "warns", "input RSS MB", "peak RSS MB");
    for (std::size_t records = 10'000; records <= max_records; records *= 10) {
        auto start = std::chrono::steady_clock::now();
        RetentionInput input = make_input(records);
        double build = seconds_since(start);
        long input_rss = peak_rss_mb();
        start = std::chrono::steady_clock::now();
        RetentionPlan plan = plan_retention(input, policy, kNow);
        double planning = seconds_since(start);
        fmt::print("{:>10} {:>9.3f} {:>9.3f} {:>9} {:>9} {:>8} {:>14} {:>12}\n", records, build, planning,
                   plan.deletes.size(), plan.keeps.size(), plan.warnings.size(), input_rss, peak_rss_mb());
    }
    fmt::print("\n{:>10} {:>9} {:>16} {:>9} {:>9}\n", "one volume", "plan s", "ns per n*log2(n)", "deletes", "keeps");
    for (std::size_t records = 1'000; records <= std::min<std::size_t>(max_records, 100'000); records *= 10) {
        RetentionInput input = one_volume(records);
        auto start = std::chrono::steady_clock::now();
        RetentionPlan plan = plan_retention(input, policy, kNow);
        double planning = seconds_since(start);
        double n = static_cast<double>(records);
        fmt::print("{:>10} {:>9.3f} {:>16.1f} {:>9} {:>9}\n", records, planning, planning / (n * std::log2(n)) * 1e9,
                   plan.deletes.size(), plan.keeps.size());
    }
    return 0;
}
