// The backup tag (core/backup_tag.h) on any metadata value and description: task_id_of and
// task_id_view agree, an id read is a valid task id, and an id written by tag_fields in either
// form reads back as itself.
#include "fuzz_check.h"
#include "staffeln/core/backup_tag.h"

#include <cstdint>

using namespace staffeln;
using staffeln::fuzz::check;

namespace {

void check_reads(const Backup& backup) {
    const auto id = core::task_id_of(backup);
    const auto view = core::task_id_view(backup);
    check(id.has_value() == view.has_value() && (!id || *id == *view), "task_id_of and task_id_view agree");
    check(core::made_by_staffeln(backup) == id.has_value(), "made_by_staffeln says whether an id was read");
    if (id) check(core::is_valid_task_id(*id), "an id read is a valid task id");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    // The first byte: whether the metadata key is set; then the metadata value, a NUL, the description.
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::size_t nul = rest.find('\0');
    const std::string_view value = rest.substr(0, nul);
    const std::string_view description = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
    Backup backup;
    if (data[0] & 1) backup.metadata.emplace(core::kTaskMetadataKey, value);
    backup.description = description;
    check_reads(backup);
    Backup from_description;
    from_description.description = value;
    check_reads(from_description);

    if (!core::is_valid_task_id(value)) return 0;
    for (auto form : {core::TagForm::metadata, core::TagForm::description}) {
        const core::BackupTagFields fields = core::tag_fields(value, form);
        Backup tagged;
        tagged.description = fields.description;
        tagged.metadata = fields.metadata;
        const auto id = core::task_id_of(tagged);
        check(id && *id == value, "a tag written by tag_fields reads back as its task id");
    }
    return 0;
}
