#include "staffeln/core/backup_tag.h"

#include <cctype>

namespace staffeln::core {
namespace {

constexpr std::string_view kDescription = "Backup by staffeln";

bool is_task_id_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'; }

std::optional<std::string_view> from_description(std::string_view description) {
    auto at = description.find(kTaskDescriptionMarker);
    if (at == std::string_view::npos) return std::nullopt;
    auto rest = description.substr(at + kTaskDescriptionMarker.size());
    std::size_t n = 0;
    while (n < rest.size() && is_task_id_char(rest[n])) ++n;
    auto id = rest.substr(0, n);
    if (!is_valid_task_id(id)) return std::nullopt;
    return id;
}

}  // namespace

TagForm tag_form_for(int volume_api_major, int volume_api_minor) {
    bool accepts = volume_api_major > 3 || (volume_api_major == 3 && volume_api_minor >= kBackupMetadataMinMinor);
    return accepts ? TagForm::metadata : TagForm::description;
}

BackupTagFields tag_fields(std::string_view task_id, TagForm form) {
    BackupTagFields fields;
    if (form == TagForm::metadata) {
        fields.description = std::string(kDescription);
        fields.metadata.emplace(std::string(kTaskMetadataKey), std::string(task_id));
    } else {
        fields.description =
            std::string(kDescription) + " [" + std::string(kTaskDescriptionMarker) + std::string(task_id) + "]";
    }
    return fields;
}

std::optional<std::string_view> task_id_view(const Backup& backup) {
    auto it = backup.metadata.find(std::string(kTaskMetadataKey));
    if (it != backup.metadata.end() && is_valid_task_id(it->second)) return std::string_view(it->second);
    return from_description(backup.description);
}

std::optional<std::string> task_id_of(const Backup& backup) {
    auto id = task_id_view(backup);
    if (!id) return std::nullopt;
    return std::string(*id);
}

bool made_by_staffeln(const Backup& backup) { return task_id_view(backup).has_value(); }

bool is_valid_task_id(std::string_view task_id) {
    if (task_id.empty() || task_id.size() > kMaxTaskIdLength) return false;
    for (char c : task_id)
        if (!is_task_id_char(c)) return false;
    return true;
}

}  // namespace staffeln::core
