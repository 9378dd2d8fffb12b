// How staffeln marks the backups it creates in Cinder, and how it recognises them again.
// At volume microversion 3.43 or later the create request carries metadata
// {"staffeln:task": "<task id>"}; below that, Cinder rejects metadata, so the description
// carries the marker "staffeln:task=<task id>". task_id_of reads either form; it is the one
// answer to "did staffeln make this backup?" for the conductor, retention and the API.
#pragma once

#include "staffeln/model.h"

#include <optional>
#include <string>
#include <string_view>

namespace staffeln::core {

inline constexpr std::string_view kTaskMetadataKey = "staffeln:task";
inline constexpr std::string_view kTaskDescriptionMarker = "staffeln:task=";
inline constexpr int kBackupMetadataMinMinor = 43;  // volume API 3.43 accepts backup metadata
inline constexpr std::size_t kMaxTaskIdLength = 64;

enum class TagForm { metadata, description };

// metadata when the volume API (major.minor, as negotiated) accepts backup metadata.
TagForm tag_form_for(int volume_api_major, int volume_api_minor);

// The tag-bearing fields of a create request. With TagForm::metadata the description is the
// plain "Backup by staffeln"; with TagForm::description metadata is empty (Cinder says 400).
struct BackupTagFields {
    std::string description;
    Metadata metadata;
};
BackupTagFields tag_fields(std::string_view task_id, TagForm form);

// The task id a backup was tagged with: the metadata form first, then the description
// marker. nullopt for a backup staffeln did not make (or whose tag is not a valid task id).
std::optional<std::string> task_id_of(const Backup& backup);
// The same, as a view into backup's metadata or description: valid while backup is.
std::optional<std::string_view> task_id_view(const Backup& backup);
bool made_by_staffeln(const Backup& backup);

// Task ids are 1 to 64 characters of [A-Za-z0-9._-] (a UUID fits), so the description
// marker ends unambiguously and a user's free text cannot smuggle a different id in.
bool is_valid_task_id(std::string_view task_id);

}  // namespace staffeln::core
