// Writes a file that only its owner may read (0600) so that no reader ever sees it half
// written: the text goes to a temporary name in the same directory, is fsynced, renamed over
// the target and the directory fsynced. On any failure the temporary file is removed and the
// target is as it was; the error names the file and the step.
#pragma once

#include "staffeln/result.h"

#include <filesystem>
#include <string_view>

namespace staffeln {

Status write_private_file(const std::filesystem::path& path, std::string_view text);

}  // namespace staffeln
