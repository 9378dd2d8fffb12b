#include "staffeln/core/restore_progress.h"

#include <fmt/format.h>

#include <algorithm>

namespace staffeln::core {
namespace {

std::string label(const std::string& name, const std::string& id) {
    return name.empty() ? id : fmt::format("{} ({})", name, id);
}

const std::string& short_label(const std::string& name, const std::string& id) { return name.empty() ? id : name; }

bool ended(const ProgressRow& r) { return r.state == "done" || r.state == "failed"; }

}  // namespace

std::string progress_line(const ProgressRow& row) {
    return fmt::format("volume {} of server {}: {}{} after {} s", label(row.volume_name, row.volume_id),
                       label(row.server_name, row.server_id), row.state,
                       row.cinder.empty() || row.cinder == row.state ? "" : " (" + row.cinder + ")",
                       row.elapsed.count());
}

std::vector<std::string> progress_block(const std::vector<ProgressRow>& rows, std::chrono::seconds elapsed,
                                        std::size_t max_rows) {
    std::vector<const ProgressRow*> shown;
    for (const auto& r : rows)
        if (rows.size() <= max_rows || !ended(r)) shown.push_back(&r);
    for (const auto& r : rows)
        if (rows.size() > max_rows && ended(r)) shown.push_back(&r);
    if (shown.size() > max_rows) shown.resize(max_rows);
    std::size_t server_width = 0;
    std::size_t width = 0;
    for (const ProgressRow* r : shown) {
        server_width = std::max(server_width, short_label(r->server_name, r->server_id).size());
        width = std::max(width, short_label(r->volume_name, r->volume_id).size());
    }
    const auto done = std::count_if(rows.begin(), rows.end(), ended);
    std::vector<std::string> out{
        fmt::format("restoring: {} of {} volumes ended, {} s", done, rows.size(), elapsed.count())};
    for (const ProgressRow* r : shown)
        out.push_back(fmt::format("  {:<{}}  {:<{}}  {:<9}  {:<16}  {:>5} s", short_label(r->server_name, r->server_id),
                                  server_width, short_label(r->volume_name, r->volume_id), width, r->state,
                                  r->cinder.empty() ? "-" : r->cinder, r->elapsed.count()));
    if (rows.size() > shown.size()) out.push_back(fmt::format("  ... and {} more", rows.size() - shown.size()));
    return out;
}

}  // namespace staffeln::core
