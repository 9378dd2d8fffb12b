// What `staffeln restore cleanup` does with one volume a restore made (pure), from what Cinder
// shows of it now. Real Cinder keeps a deleted volume listed as `deleting` for a while before it
// answers 404 (tests/e2e/recorded/restore-calls.md), and refuses a second DELETE of it (400: the
// status must be available or error...): a cleanup run again soon after the first one counts
// such a volume deleted instead of failing on it.
#pragma once

#include "staffeln/model.h"

#include <optional>

namespace staffeln::core {

enum class CleanupAction {
    delete_volume,    // send the DELETE (Cinder refuses one attached or still restoring)
    already_deleted,  // deleting, or gone (404): counted deleted, nothing sent
};

// `shown`: the volume as Cinder shows it; nullopt when it answers 404.
CleanupAction cleanup_action(const std::optional<Volume>& shown);

}  // namespace staffeln::core
