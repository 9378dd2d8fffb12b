// Locks on files in one directory (created 0700): for conductors on one host. A lock named N is
// the file `staffeln-N`, locked whole for writing with an open file description lock
// (fcntl F_OFD_SETLK): the file and the lock upstream Staffeln takes through tooz's file driver
// (fasteners' lockf on `DIR/staffeln-N`), which conflict with OFD locks, so that an upstream
// conductor and a staffeln one sharing backend_url during a switch never hold a role or a volume
// together (flock would not see lockf's locks). The kernel drops the lock when its holder dies,
// even by SIGKILL. A lock file is unlinked while still locked on release, so files do not pile
// up; an acquirer that locked a file since unlinked (by staffeln, or by upstream's remove_lock)
// retries on the new one.
#pragma once

#include "staffeln/coordination/coordinator.h"

namespace staffeln::coordination {

class FileLocks : public Coordinator {
public:
    static Result<std::unique_ptr<FileLocks>> open(const std::filesystem::path& dir);
    Result<std::unique_ptr<Lock>> try_lock(const std::string& name) override;
    std::string describe() const override { return "file locks in " + dir_.string(); }

private:
    explicit FileLocks(std::filesystem::path dir) : dir_(std::move(dir)) {}
    std::filesystem::path dir_;
};

}  // namespace staffeln::coordination
