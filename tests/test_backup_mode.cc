#include "staffeln/core/backup_mode.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;

namespace {

Server server_with(Metadata metadata) {
    Server s;
    s.id = "srv-1";
    s.name = "web";
    s.metadata = std::move(metadata);
    return s;
}

constexpr std::string_view kKey = "__staffeln_backup_mode";

}  // namespace

TEST_CASE("backup modes parse in any letter case and nothing else") {
    CHECK(parse_backup_mode("volume") == BackupMode::volume);
    CHECK(parse_backup_mode("SnapShot") == BackupMode::snapshot);
    CHECK(parse_backup_mode("VOLUME") == BackupMode::volume);
    CHECK_FALSE(parse_backup_mode("snapshots").has_value());
    CHECK_FALSE(parse_backup_mode("").has_value());
    CHECK_FALSE(parse_backup_mode(" volume").has_value());
    CHECK(std::string(to_string(BackupMode::snapshot)) == "snapshot");
}

TEST_CASE("a server without the mode key gets the configured mode, said so") {
    auto d = decide_backup_mode(server_with({{"other", "snapshot"}}), kKey, BackupMode::snapshot);
    CHECK(d.mode == BackupMode::snapshot);
    CHECK(d.reason == "backup_mode is snapshot and the server has no __staffeln_backup_mode metadata");
    CHECK(d.warning.empty());
}

TEST_CASE("the server's metadata overrides the configured mode, in any case, either way") {
    auto snap = decide_backup_mode(server_with({{"__staffeln_backup_mode", "SNAPSHOT"}}), kKey, BackupMode::volume);
    CHECK(snap.mode == BackupMode::snapshot);
    CHECK(snap.reason == "server metadata __staffeln_backup_mode='SNAPSHOT'");
    CHECK(snap.warning.empty());
    auto vol = decide_backup_mode(server_with({{"__staffeln_backup_mode", "Volume"}}), kKey, BackupMode::snapshot);
    CHECK(vol.mode == BackupMode::volume);
    CHECK(vol.reason == "server metadata __staffeln_backup_mode='Volume'");
}

TEST_CASE("an unknown value keeps the configured mode and warns, naming the server and the value") {
    auto d = decide_backup_mode(server_with({{"__staffeln_backup_mode", "both"}}), kKey, BackupMode::volume);
    CHECK(d.mode == BackupMode::volume);
    CHECK(d.reason == "backup_mode is volume and the server's __staffeln_backup_mode='both' is not a mode");
    CHECK(d.warning ==
          "server web (srv-1): backup mode metadata __staffeln_backup_mode='both' is ignored (neither volume nor "
          "snapshot); using backup_mode volume");
}

TEST_CASE("with no metadata key configured the server cannot override the mode") {
    auto d = decide_backup_mode(server_with({{"__staffeln_backup_mode", "snapshot"}}), "", BackupMode::volume);
    CHECK(d.mode == BackupMode::volume);
    CHECK(d.reason == "backup_mode is volume");
    CHECK(d.warning.empty());
}
