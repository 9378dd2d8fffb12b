// The disaster-recovery document reader (conductor/dr_read.h) on any text: every problem is an
// invalid_input error, never an exception or undefined behaviour; and the records of a document
// it reads, written by dr_document (what `backup export` prints) and read again, are the same.
#include "fuzz_check.h"
#include "staffeln/conductor/dr_export.h"
#include "staffeln/conductor/dr_read.h"

#include <cstdint>
#include <tuple>

using namespace staffeln;
using staffeln::fuzz::check;

namespace {

auto fields(const core::DrRecord& r) {
    return std::tie(r.backup_id, r.project_id, r.origin.server_id, r.origin.server_name, r.origin.volume_id,
                    r.origin.volume_name, r.kind, r.parent_id, r.created_at, r.data_timestamp, r.backup_service,
                    r.backup_url, r.fetch_status);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto read = conductor::read_dr_document(std::string(reinterpret_cast<const char*>(data), size));
    if (!read) {
        check(read.error().kind == ErrorKind::invalid_input, "a bad document is invalid_input");
        return 0;
    }
    const std::string written = conductor::dr_document(*read, TimePoint{}, "", "");
    const auto again = conductor::read_dr_document(written);
    check(again.ok(), "a document dr_document writes of records read reads back");
    check(again->size() == read->size(), "every record reads back");
    for (std::size_t i = 0; i < read->size(); ++i)
        check(fields((*again)[i]) == fields((*read)[i]), "a record read, written and read again is the same");
    return 0;
}
