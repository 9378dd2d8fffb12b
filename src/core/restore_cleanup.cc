#include "staffeln/core/restore_cleanup.h"

namespace staffeln::core {

CleanupAction cleanup_action(const std::optional<Volume>& shown) {
    if (!shown || shown->status == "deleting") return CleanupAction::already_deleted;
    return CleanupAction::delete_volume;
}

}  // namespace staffeln::core
