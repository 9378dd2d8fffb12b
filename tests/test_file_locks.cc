#include "staffeln/coordination/coordinator.h"
#include "staffeln/coordination/file_locks.h"
#include "support/temp_dir.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace staffeln;
using namespace staffeln::coordination;
using staffeln::testing::TempDir;

TEST_CASE("a file lock is held by one holder at a time and released when dropped") {
    TempDir dir;
    auto locks = FileLocks::open(dir / "locks");
    REQUIRE(locks.ok());
    auto first = (*locks)->try_lock("puller");
    REQUIRE(first.ok());
    CHECK((*first)->held());
    auto second = (*locks)->try_lock("puller");
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().kind == ErrorKind::conflict);
    CHECK(second.error().message == "lock puller is held by another process");
    CHECK((*locks)->try_lock("retention").ok());
    first->reset();
    CHECK((*locks)->try_lock("puller").ok());
}

TEST_CASE("lock files do not pile up, and the lock directory is private") {
    TempDir dir;
    auto locks = FileLocks::open(dir / "locks");
    REQUIRE(locks.ok());
    for (int i = 0; i < 100; ++i) {
        auto lock = (*locks)->try_lock("volume-" + std::to_string(i));
        REQUIRE(lock.ok());
    }
    CHECK(std::filesystem::is_empty(dir / "locks"));
    struct stat st {};
    REQUIRE(stat((dir / "locks").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("a lock held by a process killed with SIGKILL is free at once") {
    TempDir dir;
    auto path = dir / "locks";
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        auto locks = FileLocks::open(path);
        auto lock = (*locks)->try_lock("puller");
        char ok = lock.ok() ? '1' : '0';
        (void)!write(ready[1], &ok, 1);
        pause();
        _exit(0);
    }
    char ok = 0;
    REQUIRE(read(ready[0], &ok, 1) == 1);
    REQUIRE(ok == '1');
    auto locks = FileLocks::open(path);
    REQUIRE(locks.ok());
    CHECK_FALSE((*locks)->try_lock("puller").ok());
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    CHECK((*locks)->try_lock("puller").ok());
    close(ready[0]);
    close(ready[1]);
}

TEST_CASE("lock names and backend URLs are checked") {
    TempDir dir;
    auto locks = FileLocks::open(dir / "locks");
    REQUIRE(locks.ok());
    auto bad = (*locks)->try_lock("../etc/passwd");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "invalid lock name '../etc/passwd'");

    auto unknown = make_coordinator("zookeeper://zk:2181", dir / "locks");
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message ==
          "[coordination] backend_url: scheme zookeeper is not supported: use file:///var/lib/staffeln/locks, "
          "etcd3+http://HOST:2379 or kubernetes://");
    auto from_url = make_coordinator("file://" + (dir / "other").string(), dir / "locks");
    REQUIRE(from_url.ok());
    CHECK((*from_url)->describe() == "file locks in " + (dir / "other").string());
    auto by_default = make_coordinator("", dir / "locks");
    REQUIRE(by_default.ok());
    CHECK((*by_default)->describe() == "file locks in " + (dir / "locks").string());
}
