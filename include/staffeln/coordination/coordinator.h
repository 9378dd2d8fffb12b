// Named locks that keep conductors from acting together: the roles ("puller", "retention")
// and one lock per volume task. try_lock never blocks: a lock held elsewhere is
// ErrorKind::conflict (the message names the holder when known); a backend that cannot be
// reached or trusted now is unavailable or timeout. A Lock is released when destroyed, or
// when its process dies.
// held() must be checked before every mutating cloud call: a distributed lock can be lost.
#pragma once

#include "staffeln/result.h"

#include <filesystem>
#include <memory>
#include <string>

namespace staffeln::coordination {

class Lock {
public:
    virtual ~Lock() = default;
    virtual bool held() const = 0;
};

class Coordinator {
public:
    virtual ~Coordinator() = default;
    virtual Result<std::unique_ptr<Lock>> try_lock(const std::string& name) = 0;
    virtual std::string describe() const = 0;
};

// backend_url as tooz writes it: "file:///var/lib/staffeln/locks" (the default, with
// default_dir, when backend_url is empty) or "etcd3+http://HOST:2379" (etcd_url.h).
// Unknown schemes are invalid_input naming them.
Result<std::unique_ptr<Coordinator>> make_coordinator(const std::string& backend_url,
                                                      const std::filesystem::path& default_dir);

}  // namespace staffeln::coordination
