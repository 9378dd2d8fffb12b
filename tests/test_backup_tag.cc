#include "staffeln/core/backup_tag.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;

namespace {

Backup with(std::string description, Metadata metadata = {}) {
    Backup b;
    b.id = "b1";
    b.description = std::move(description);
    b.metadata = std::move(metadata);
    return b;
}

}  // namespace

TEST_CASE("backup metadata is used from volume microversion 3.43 on, the description below it") {
    struct Row {
        int major, minor;
        TagForm form;
    };
    const Row rows[] = {
        {3, 0, TagForm::description}, {3, 42, TagForm::description}, {3, 43, TagForm::metadata},
        {3, 70, TagForm::metadata},   {4, 0, TagForm::metadata},     {2, 99, TagForm::description},
    };
    for (const auto& row : rows) {
        CAPTURE(row.minor);
        CHECK(tag_form_for(row.major, row.minor) == row.form);
    }
}

TEST_CASE("the metadata form puts the task id under staffeln:task and keeps the plain description") {
    auto fields = tag_fields("3f1c-task", TagForm::metadata);
    CHECK(fields.description == "Backup by staffeln");
    CHECK(fields.metadata == Metadata{{"staffeln:task", "3f1c-task"}});
}

TEST_CASE("the description form carries the marker and no metadata, which Cinder would refuse") {
    auto fields = tag_fields("3f1c-task", TagForm::description);
    CHECK(fields.description == "Backup by staffeln [staffeln:task=3f1c-task]");
    CHECK(fields.metadata.empty());
}

TEST_CASE("a tag written in either form reads back as the same task id") {
    const char* id = "8a6e0804-2bd0-4672-b79d-d97027f9071a";
    for (auto form : {TagForm::metadata, TagForm::description}) {
        auto fields = tag_fields(id, form);
        auto read = task_id_of(with(fields.description, fields.metadata));
        REQUIRE(read.has_value());
        CHECK(*read == id);
    }
}

TEST_CASE("backups without a valid staffeln tag are not staffeln's") {
    struct Row {
        const char* description;
        Metadata metadata;
    };
    const Row rows[] = {
        {"", {}},
        {"my manual backup", {}},
        {"Backup by staffeln", {}},  // upstream's text alone proves nothing
        {"staffeln:task=", {}},      // marker without an id
        {"staffeln:task= abc", {}},
        {"", {{"staffeln:task", ""}}},
        {"", {{"staffeln:task", "has space"}}},
        {"", {{"staffeln:task", std::string(65, 'a')}}},
        {"", {{"other", "x"}}},
    };
    for (const auto& row : rows) {
        CAPTURE(row.description);
        auto b = with(row.description, row.metadata);
        CHECK_FALSE(task_id_of(b).has_value());
        CHECK_FALSE(made_by_staffeln(b));
    }
}

TEST_CASE("the description marker ends at the first character a task id cannot hold") {
    CHECK(task_id_of(with("note staffeln:task=abc-1.2_3] more")) == std::optional<std::string>("abc-1.2_3"));
    CHECK(task_id_of(with("staffeln:task=t1")) == std::optional<std::string>("t1"));
}

TEST_CASE("the metadata tag wins over a description marker") {
    auto b = with("Backup by staffeln [staffeln:task=old]", {{"staffeln:task", "new"}});
    CHECK(task_id_of(b) == std::optional<std::string>("new"));
}

TEST_CASE("an invalid metadata tag falls back to the description marker") {
    auto b = with("Backup by staffeln [staffeln:task=t2]", {{"staffeln:task", "bad id"}});
    CHECK(task_id_of(b) == std::optional<std::string>("t2"));
}

TEST_CASE("task ids are 1 to 64 characters of letters, digits, dot, underscore and dash") {
    CHECK(is_valid_task_id("8a6e0804-2bd0-4672-b79d-d97027f9071a"));
    CHECK(is_valid_task_id("a"));
    CHECK(is_valid_task_id(std::string(64, 'x')));
    CHECK_FALSE(is_valid_task_id(""));
    CHECK_FALSE(is_valid_task_id(std::string(65, 'x')));
    CHECK_FALSE(is_valid_task_id("a b"));
    CHECK_FALSE(is_valid_task_id("a]"));
    CHECK_FALSE(is_valid_task_id("é"));
}
