// Locks as flock(2) on files in one directory (created 0700): for conductors on one host.
// The kernel drops a flock when its process dies, even by SIGKILL, so no lock outlives its
// holder. A lock file is unlinked while still locked on release, so files do not pile up;
// an acquirer that locked a file since unlinked retries on the new one.
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
