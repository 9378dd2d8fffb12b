#include "staffeln/failpoint.h"

#include "staffeln/log.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace staffeln::failpoint {
namespace {

struct Armed {
    std::string name;  // empty: no point armed
    long nth = 1;
};

// "name@N" arms the Nth hit; anything after '@' that is not a positive count stays in the name,
// which then matches no point.
Armed from_environment() {
    Armed point;
    const char* value = std::getenv("STAFFELN_FAILPOINT");
    if (!value) return point;
    point.name = value;
    if (auto at = point.name.rfind('@'); at != std::string::npos && at + 1 < point.name.size()) {
        char* end = nullptr;
        long n = std::strtol(point.name.c_str() + at + 1, &end, 10);
        if (*end == '\0' && n > 0) point.name.resize(at), point.nth = n;
    }
    return point;
}

const Armed& armed() {
    static const Armed point = from_environment();
    return point;
}

std::atomic<long> hits{0};

}  // namespace

void hit(std::string_view name) {
    const Armed& point = armed();
    if (point.name.empty() || point.name != name) return;
    if (hits.fetch_add(1) + 1 != point.nth) return;
    log::warning("failpoint", "{} reached (hit {}): killing the process", name, point.nth);
    ::kill(::getpid(), SIGKILL);
}

}  // namespace staffeln::failpoint
