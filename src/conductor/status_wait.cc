#include "staffeln/conductor/status_wait.h"

#include "staffeln/failpoint.h"
#include "staffeln/log.h"

namespace staffeln::conductor {

WaitOutcome wait_until_not_listed(Context& ctx, StatusWait wait) {
    int rounds = 0;
    while (!wait.ids.empty() && !ctx.stop.requested() && ctx.now() <= wait.deadline) {
        if (wait.round_failpoint) failpoint::hit(wait.round_failpoint);
        if (!ctx.stop.sleep_for(ctx.poll_interval)) break;
        auto listed = ctx.cloud.cinder().list_backups({.status = wait.status});
        ++rounds;
        if (!listed) {
            log::warning("conductor", "cannot check {} backups ({}); trying again", wait.status,
                         listed.error().message);
            continue;
        }
        std::set<std::string> still;
        for (const auto& backup : *listed)
            if (wait.ids.contains(backup.id)) still.insert(backup.id);
        wait.ids.swap(still);
    }
    return {std::move(wait.ids), rounds};
}

}  // namespace staffeln::conductor
