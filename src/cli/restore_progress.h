// The progress of a running restore, as the command prints it (core/restore_progress.h renders
// the lines): on a terminal a block with a line per volume, redrawn in place as the volumes
// advance; otherwise one plain line each time a volume's state or Cinder status changes. The
// cloud's names and statuses are escaped before they reach the output (text_safety.h).
#pragma once

#include "staffeln/core/restore_progress.h"
#include "staffeln/store/restore_store.h"
#include "staffeln/thread_annotations.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace staffeln::cli {

class RestoreProgress {
public:
    // `terminal`: redraw in place (stdout is a terminal); else plain lines.
    RestoreProgress(std::FILE* out, bool terminal, const std::vector<store::StoredRestore>& restores);

    // From any worker thread: the volume as it stands, and its status in Cinder ("" if unknown).
    void update(const store::StoredRestore& restore, const store::StoredRestoreVolume& volume,
                const std::string& cinder_status);
    // The block's last drawing (terminal only), so that what follows starts below it.
    void finish();

private:
    std::chrono::seconds elapsed() const;
    void redraw() REQUIRES(mutex_);

    std::FILE* out_;
    bool terminal_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    Mutex mutex_;
    std::vector<core::ProgressRow> rows_ GUARDED_BY(mutex_);
    std::map<std::pair<std::string, std::string>, std::size_t> index_;  // (restore, source volume) -> row
    std::size_t drawn_ GUARDED_BY(mutex_) = 0;                          // lines of the block on screen
    std::chrono::steady_clock::time_point last_draw_ GUARDED_BY(mutex_){};
};

// True when the file is a terminal (the progress is then redrawn, and a confirmation asked).
bool is_terminal(std::FILE* file);

}  // namespace staffeln::cli
