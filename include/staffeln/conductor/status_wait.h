// Waits for backups to leave a transitional status (creating, deleting), the way the backup and
// retention cycles both do: one listing of that status per poll interval, whatever the number of
// backups waited for, until none of them is listed, the deadline has passed, or a stop is requested.
#pragma once

#include "staffeln/conductor/context.h"

#include <set>
#include <string>

namespace staffeln::conductor {

struct StatusWait {
    std::string status;             // the Cinder backup status listed each round
    std::set<std::string> ids;      // the backups waited for
    TimePoint deadline{};           // waiting goes on while now <= deadline
    const char* round_failpoint{};  // a crash point hit before each round, or none
};

struct WaitOutcome {
    std::set<std::string> still_listed;  // the ids still in the status when the wait ended
    int rounds{};                        // listings sent
};

// A failed listing is logged and the round repeated.
WaitOutcome wait_until_not_listed(Context& ctx, StatusWait wait);

}  // namespace staffeln::conductor
