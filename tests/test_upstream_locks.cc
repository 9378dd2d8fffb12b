// During a switch from upstream Staffeln, an upstream conductor and a staffeln conductor share
// [coordination] backend_url: they must never hold a role (puller, retention) or a volume
// together. Upstream takes its locks through tooz (staffeln/common/lock.py at a1570ab); here the
// real tooz library (Debian's python3-tooz, support/tooz_locks.py) takes them as upstream does,
// against a real etcd and a lock directory, and staffeln's coordinators and conductor meet them.
#include "staffeln/coordination/coordinator.h"
#include "staffeln/coordination/etcd_locks.h"
#include "staffeln/coordination/etcd_url.h"
#include "staffeln/coordination/file_locks.h"
#include "support/conductor_rig.h"
#include "support/etcd_server.h"
#include "support/paths.h"
#include "support/process.h"
#include "support/spawned.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

using namespace staffeln;
using namespace staffeln::coordination;
using namespace std::chrono_literals;
using staffeln::testing::ConductorRig;
using staffeln::testing::EtcdServer;
using staffeln::testing::Spawned;
using staffeln::testing::TempDir;

namespace {

const std::string kToozLocks = std::string(staffeln::testing::kSourceDir) + "/tests/support/tooz_locks.py";

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// An upstream conductor's locks: taken at construction, kept until destruction (SIGTERM).
class UpstreamHolder {
public:
    UpstreamHolder(const TempDir& dir, const std::string& backend_url, const std::vector<std::string>& names)
        : log_(dir / "tooz-holder.log") {
        std::vector<std::string> argv{"/usr/bin/python3", kToozLocks, backend_url, "hold"};
        argv.insert(argv.end(), names.begin(), names.end());
        process_ = std::make_unique<Spawned>(argv, log_);
        for (int i = 0; i < 300 && read_text(log_).find("holding") == std::string::npos; ++i) {
            REQUIRE_MESSAGE(process_->running(), read_text(log_));
            std::this_thread::sleep_for(100ms);
        }
        REQUIRE_MESSAGE(read_text(log_).find("holding") != std::string::npos, read_text(log_));
    }
    ~UpstreamHolder() { process_->stop(SIGTERM); }
    std::string said() const { return read_text(log_); }

private:
    std::filesystem::path log_;
    std::unique_ptr<Spawned> process_;
};

// What upstream's tooz gets when it tries each name now: "held NAME" or "refused NAME" lines.
std::string upstream_tries(const std::string& backend_url, const std::vector<std::string>& names) {
    std::vector<std::string> argv{"/usr/bin/python3", kToozLocks, backend_url, "try"};
    argv.insert(argv.end(), names.begin(), names.end());
    auto done = staffeln::testing::run_process(argv);
    REQUIRE_MESSAGE(done.exit_code == 0, done.err);
    return done.err;
}

// The exchange both ways, for one backend: upstream holding keeps staffeln off, and the reverse.
void check_both_ways(Coordinator& staffeln_locks, const TempDir& dir, const std::string& backend_url,
                     const std::string& upstream_holder_text) {
    const std::string volume = "8c2b9f6e-5d0a-4d7e-9a61-0f3b2c1d4e5f";
    {
        UpstreamHolder upstream(dir, backend_url, {"puller", volume});
        CHECK(upstream.said().find("held puller\nheld " + volume + "\n") != std::string::npos);
        auto role = staffeln_locks.try_lock("puller");
        REQUIRE_FALSE(role.ok());
        CHECK(role.error().kind == ErrorKind::conflict);
        CHECK(role.error().message == "lock puller is held by " + upstream_holder_text);
        auto held_volume = staffeln_locks.try_lock(volume);
        REQUIRE_FALSE(held_volume.ok());
        CHECK(held_volume.error().kind == ErrorKind::conflict);
        CHECK(staffeln_locks.try_lock("retention").ok());
    }
    auto role = staffeln_locks.try_lock("puller");
    REQUIRE_MESSAGE(role.ok(), role.error().message);  // free once upstream released it
    auto held_volume = staffeln_locks.try_lock(volume);
    REQUIRE(held_volume.ok());
    CHECK(upstream_tries(backend_url, {"puller", volume, "retention"}) ==
          "refused puller\nrefused " + volume + "\nheld retention\n");
    role->reset();
    held_volume->reset();
    CHECK(upstream_tries(backend_url, {"puller", volume}) == "held puller\nheld " + volume + "\n");
}

}  // namespace

TEST_CASE("upstream Staffeln's tooz file locks and staffeln's exclude each other in one lock directory") {
    TempDir dir;
    auto locks = FileLocks::open(dir / "locks");
    REQUIRE(locks.ok());
    check_both_ways(**locks, dir, "file://" + (dir / "locks").string(), "another process");
}

TEST_CASE("upstream Staffeln's tooz etcd locks and staffeln's exclude each other in one etcd") {
    EtcdServer etcd;
    TempDir dir;
    auto settings = parse_etcd_url(etcd.backend_url("lock_timeout=5"));
    REQUIRE(settings.ok());
    EtcdLocks locks(*settings);
    // api_version: tooz's default, v3alpha, is gone from the gateway of Debian's etcd 3.4.
    check_both_ways(locks, dir, etcd.backend_url("api_version=v3"), "a tooz client (upstream Staffeln)");
}

TEST_CASE("a conductor backs up every target volume but the one an upstream conductor is backing up") {
    ConductorRig rig;
    rig.config.conductor.backup_min_interval = 3600;  // so that the second cycle backs up only the one left
    const auto& targets = staffeln::testing::demo::kTaggedVolumes;
    const std::string busy = *targets.begin();
    {
        UpstreamHolder upstream(rig.dir, "file://" + (rig.dir / "locks").string(), {busy});
        auto result = rig.backup_cycle();
        CHECK(result.outcome.created == static_cast<int>(targets.size()) - 1);
        bool said = false;
        for (const auto& problem : result.outcome.problems)
            said = said || problem.find("volume " + busy + " skipped this cycle: lock " + busy +
                                        " is held by another process") != std::string::npos;
        CHECK_MESSAGE(said, "problems: ", result.outcome.problems.size());
        std::set<std::string> backed_up;
        for (const auto& b : rig.staffeln_backups()) backed_up.insert(b["volume_id"].get<std::string>());
        CHECK(backed_up.count(busy) == 0);
        CHECK(backed_up.size() == targets.size() - 1);
    }
    auto result = rig.backup_cycle();  // upstream is done with it: the next cycle takes it
    CHECK(result.outcome.created == 1);
    CHECK(rig.staffeln_backups(busy).size() == 1);
}
