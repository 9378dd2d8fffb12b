#include "restore_progress.h"

#include "staffeln/text_safety.h"

#include <fmt/format.h>

#include <unistd.h>

namespace staffeln::cli {
namespace {

// Between two redraws while nothing but the clock changed: a terminal is read by a person.
constexpr auto kRedrawEvery = std::chrono::milliseconds(500);

}  // namespace

bool is_terminal(std::FILE* file) { return ::isatty(::fileno(file)) == 1; }

RestoreProgress::RestoreProgress(std::FILE* out, bool terminal, const std::vector<store::StoredRestore>& restores)
    : out_(out), terminal_(terminal) {
    MutexLock lock(mutex_);
    for (const auto& r : restores)
        for (const auto& v : r.volumes) {
            index_[{r.id, v.plan.source_volume_id}] = rows_.size();
            rows_.push_back({r.server_id, r.server_name, v.plan.source_volume_id, v.plan.source_name,
                             store::to_string(v.state), "", std::chrono::seconds(0)});
        }
}

std::chrono::seconds RestoreProgress::elapsed() const {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
}

void RestoreProgress::update(const store::StoredRestore& restore, const store::StoredRestoreVolume& volume,
                             const std::string& cinder_status) {
    auto it = index_.find({restore.id, volume.plan.source_volume_id});
    if (it == index_.end()) return;
    MutexLock lock(mutex_);
    core::ProgressRow& row = rows_[it->second];
    const std::string state = store::to_string(volume.state);
    const std::string cinder = cinder_status.empty() ? row.cinder : cinder_status;
    const bool changed = state != row.state || cinder != row.cinder;
    row.state = state;
    row.cinder = cinder;
    row.elapsed = elapsed();
    if (!terminal_) {
        if (changed) {
            print_line(out_, core::progress_line(row));
            std::fflush(out_);
        }
        return;
    }
    if (changed || std::chrono::steady_clock::now() - last_draw_ >= kRedrawEvery) redraw();
}

void RestoreProgress::finish() {
    if (!terminal_) return;
    MutexLock lock(mutex_);
    redraw();
}

void RestoreProgress::redraw() {
    auto lines = core::progress_block(rows_, elapsed());
    std::string frame;
    // Up to the block's first line, then each line cleared and written again.
    if (drawn_ > 0) frame += fmt::format("\x1b[{}A", drawn_);
    for (const auto& line : lines) frame += "\r\x1b[2K" + escape_control_chars(line) + "\n";
    std::fputs(frame.c_str(), out_);
    std::fflush(out_);
    drawn_ = lines.size();
    last_draw_ = std::chrono::steady_clock::now();
}

}  // namespace staffeln::cli
