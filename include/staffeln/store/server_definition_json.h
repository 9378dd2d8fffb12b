// A server's definition (core/server_definition.h) as the store and the disaster-recovery export
// write it: JSON (docs/restore.md#the-server-definition), and back; a field of another type than
// written is named in the error. No SQLite here: the export's document and its fuzz harness use it.
#pragma once

#include "staffeln/core/server_definition.h"
#include "staffeln/result.h"

#include <string>

namespace staffeln::store {

std::string definition_json(const core::ServerDefinition& definition);
Result<core::ServerDefinition> definition_from_json(const std::string& text);

}  // namespace staffeln::store
