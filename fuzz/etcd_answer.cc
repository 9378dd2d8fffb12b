// etcd's v3 gateway answers (coordination/etcd_answer.h) on any body: no exception or undefined
// behaviour from etcd_answer and the readers of lease/grant, lease/keepalive and kv/txn answers;
// only an HTTP 200 with a JSON object is an answer. The first byte picks the HTTP status.
#include "fuzz_check.h"
#include "staffeln/coordination/etcd_answer.h"

#include <cstdint>

using namespace staffeln;
using namespace staffeln::coordination;
using staffeln::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    constexpr int kStatuses[] = {200, 200, 200, 400, 404, 500, 503, 401};
    const int status = kStatuses[data[0] % 8];
    const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
    const auto answer = etcd_answer("http://etcd:2379/v3/kv/txn", status, body);
    if (!answer) return 0;
    check(status == 200 && answer->is_object(), "only a 200 with a JSON object is an answer");
    if (auto grant = lease_grant(*answer); !grant)
        check(grant.error().kind == ErrorKind::unavailable, "a bad grant answer is unavailable");
    (void)keepalive_ttl(*answer);
    (void)txn_outcome(*answer);
    return 0;
}
