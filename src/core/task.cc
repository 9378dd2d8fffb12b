#include "staffeln/core/task.h"

namespace staffeln::core {

const char* to_string(BackupKind kind) { return kind == BackupKind::full ? "full" : "incremental"; }

const char* to_string(TaskStatus status) {
    switch (status) {
        case TaskStatus::pending:
            return "pending";
        case TaskStatus::in_flight:
            return "in_flight";
        case TaskStatus::succeeded:
            return "succeeded";
        case TaskStatus::failed:
            return "failed";
        case TaskStatus::cancelled:
            return "cancelled";
    }
    return "unknown";
}

}  // namespace staffeln::core
