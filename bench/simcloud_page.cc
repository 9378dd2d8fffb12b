// Benchmark: how long the simulated cloud takes to load a large generated scenario and to
// serve one page of 1,000 items over loopback HTTP. Prints a table; not a test.
// Usage: staffeln-simcloud-bench [projects servers_per_project volumes_per_server backups_per_volume]
#include "simcloud/scenario.h"
#include "simcloud/server.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using nlohmann::json;
namespace sim = staffeln::sim;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

long rss_mib() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
    return -1;
}

struct Row {
    std::string what;
    size_t items = 0, bytes = 0;
    double median_ms = 0, max_ms = 0;
};

Row measure(httplib::Client& client, const std::string& what, const std::string& path, const httplib::Headers& headers,
            const std::string& key) {
    std::vector<double> times;
    Row row{what};
    for (int i = 0; i < 7; ++i) {
        auto start = Clock::now();
        auto r = client.Get(path.c_str(), headers);
        times.push_back(ms_since(start));
        if (!r || r->status != 200) {
            std::fprintf(stderr, "%s: %s\n", path.c_str(), r ? r->body.substr(0, 200).c_str() : "no answer");
            return row;
        }
        row.bytes = r->body.size();
        if (i == 0) row.items = json::parse(r->body)[key].size();
    }
    std::sort(times.begin(), times.end());
    row.median_ms = times[times.size() / 2];
    row.max_ms = times.back();
    return row;
}

}  // namespace

int main(int argc, char** argv) {
    int projects = argc > 1 ? std::atoi(argv[1]) : 100, servers = argc > 2 ? std::atoi(argv[2]) : 200;
    int volumes = argc > 3 ? std::atoi(argv[3]) : 2, backups = argc > 4 ? std::atoi(argv[4]) : 25;
    json scenario = {{"generate",
                      {{"projects", projects},
                       {"servers_per_project", servers},
                       {"volumes_per_server", volumes},
                       {"backups_per_volume", backups}}}};
    sim::Cloud cloud;
    auto start = Clock::now();
    auto loaded = sim::load_scenario(cloud, scenario, "bench", sim::now_micros());
    if (!loaded) {
        std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
        return 2;
    }
    double load_ms = ms_since(start);
    sim::SimServer server(cloud, sim::ServerOptions{});
    if (!server.start()) return 1;
    httplib::Client client(server.base_url());
    client.set_read_timeout(60, 0);
    json auth = {
        {"auth",
         {{"identity",
           {{"methods", {"password"}},
            {"password", {{"user", {{"name", "admin"}, {"domain", {{"id", "default"}}}, {"password", "admin"}}}}}}},
          {"scope", {{"project", {{"name", "admin"}, {"domain", {{"id", "default"}}}}}}}}}};
    auto token = client.Post("/identity/v3/auth/tokens", auth.dump(), "application/json");
    httplib::Headers headers{{"X-Auth-Token", token->get_header_value("X-Subject-Token")},
                             {"OpenStack-API-Version", "volume 3.64, compute 2.67"}};
    std::string admin = cloud.projects[*cloud.project("admin")].id;
    std::string p50 = cloud.projects[*cloud.project(fmt::format("gen-project-{:04d}", projects / 2))].id;
    std::string middle = cloud.backups[*std::next(cloud.all_backups.begin(), cloud.all_backups.size() / 2)].id;
    std::string volume = cloud.backups[*cloud.all_backups.begin()].volume_id;
    std::string middle_server = cloud.servers[*std::next(cloud.all_servers.begin(), cloud.all_servers.size() / 2)].id;
    std::string b = "/volume/v3/" + admin;

    std::vector<Row> rows = {
        measure(client, "backups/detail all_tenants, first page", b + "/backups/detail?all_tenants=1&limit=1000",
                headers, "backups"),
        measure(client, "backups/detail all_tenants, page at the middle",
                b + "/backups/detail?all_tenants=1&limit=1000&marker=" + middle, headers, "backups"),
        measure(client, "backups/detail one project", b + "/backups/detail?all_tenants=1&limit=1000&project_id=" + p50,
                headers, "backups"),
        measure(client, "backups/detail one volume", b + "/backups/detail?all_tenants=1&limit=1000&volume_id=" + volume,
                headers, "backups"),
        measure(client, "backups (summary) all_tenants", b + "/backups?all_tenants=1&limit=1000", headers, "backups"),
        measure(client, "volumes/detail all_tenants", b + "/volumes/detail?all_tenants=1&limit=1000", headers,
                "volumes"),
        measure(client, "servers/detail all_tenants", "/compute/v2.1/servers/detail?all_tenants=1&limit=1000", headers,
                "servers"),
        measure(client, "servers/detail all_tenants, middle",
                "/compute/v2.1/servers/detail?all_tenants=1&marker=" + middle_server, headers, "servers"),
    };
    std::printf(
        "simulated cloud: %zu projects, %zu servers, %zu volumes, %zu backups; loaded in %.0f ms; RSS %ld MiB\n\n",
        cloud.projects.size(), cloud.all_servers.size(), cloud.all_volumes.size(), cloud.all_backups.size(), load_ms,
        rss_mib());
    std::printf("| %-45s | %6s | %9s | %10s | %8s |\n", "request (limit 1000)", "items", "bytes", "median ms",
                "max ms");
    std::printf("|%s|%s|%s|%s|%s|\n", std::string(47, '-').c_str(), std::string(8, '-').c_str(),
                std::string(11, '-').c_str(), std::string(12, '-').c_str(), std::string(10, '-').c_str());
    for (const Row& r : rows)
        std::printf("| %-45s | %6zu | %9zu | %10.1f | %8.1f |\n", r.what.c_str(), r.items, r.bytes, r.median_ms,
                    r.max_ms);
    server.stop();
    return 0;
}
