#include "staffeln/core/restore_progress.h"

#include <fmt/format.h>

#include <algorithm>

namespace staffeln::core {

std::string progress_line(const ProgressRow& row) {
    return fmt::format("volume {} of server {}: {}{} after {} s", row.volume, row.server, row.state,
                       row.cinder.empty() || row.cinder == row.state ? "" : " (" + row.cinder + ")",
                       row.elapsed.count());
}

std::vector<std::string> progress_block(const std::vector<ProgressRow>& rows, std::chrono::seconds elapsed) {
    std::size_t server_width = 0;
    std::size_t width = 0;
    for (const auto& r : rows) {
        server_width = std::max(server_width, r.server.size());
        width = std::max(width, r.volume.size());
    }
    auto ended = std::count_if(rows.begin(), rows.end(),
                               [](const ProgressRow& r) { return r.state == "done" || r.state == "failed"; });
    std::vector<std::string> out{
        fmt::format("restoring: {} of {} volumes ended, {} s", ended, rows.size(), elapsed.count())};
    for (const auto& r : rows)
        out.push_back(fmt::format("  {:<{}}  {:<{}}  {:<9}  {:<16}  {:>5} s", r.server, server_width, r.volume, width,
                                  r.state, r.cinder.empty() ? "-" : r.cinder, r.elapsed.count()));
    return out;
}

}  // namespace staffeln::core
