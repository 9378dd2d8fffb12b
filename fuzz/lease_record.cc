// Kubernetes Lease records (coordination/lease_record.h) on any JSON text: no exception or
// undefined behaviour; a Lease read, written by lease_to_json and read again, is the same; and a
// MicroTime read is written by format_micro_time as text that reads back the same.
#include "fuzz_check.h"
#include "staffeln/coordination/lease_record.h"

#include <cstdint>
#include <tuple>

using namespace staffeln;
using namespace staffeln::coordination;
using staffeln::fuzz::check;

namespace {

auto fields(const LeaseRecord& r) {
    return std::tie(r.name, r.resource_version, r.holder, r.duration, r.acquire_time, r.renew_time, r.transitions);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (const auto time = parse_micro_time(text)) {
        const auto again = parse_micro_time(format_micro_time(*time));
        check(again && *again == *time, "a MicroTime read is written as text that reads back the same");
    }
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) return 0;
    const auto lease = lease_from_json(json);
    if (!lease) return 0;
    const nlohmann::json written = lease_to_json(*lease);
    (void)written.dump();
    const auto again = lease_from_json(written);
    check(again.ok(), "a Lease written by lease_to_json reads back");
    check(fields(*again) == fields(*lease), "a Lease read, written and read again is the same");
    return 0;
}
