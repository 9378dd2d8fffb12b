// Project scope (core/project_scope.h): include_projects and exclude_projects resolved against
// Keystone's project list, and the decision for each project, with the item that made it.
#include "staffeln/core/project_scope.h"

#include <doctest/doctest.h>

using namespace staffeln;
using namespace staffeln::core;

namespace {

const std::vector<Project> kProjects = {
    {"p1", "acme", "default"},
    {"p2", "globex", "default"},
    {"p3", "shared", "default"},
    {"p4", "shared", "other-domain"},  // names are unique per domain only
};

Server server(std::string id, std::string project) { return Server{std::move(id), "vm-" + id, std::move(project)}; }

}  // namespace

TEST_CASE("project scope: every combination of the lists decides each project, naming the item") {
    struct Row {
        ProjectScopeLists lists;
        const char* project;
        bool in_scope;
        ScopeReason reason;
        const char* item;
    };
    const Row rows[] = {
        {{{}, {}}, "p1", true, ScopeReason::every_project, ""},
        {{{}, {}}, "unknown", true, ScopeReason::every_project, ""},
        {{{"acme"}, {}}, "p1", true, ScopeReason::included, "acme"},
        {{{"p1"}, {}}, "p1", true, ScopeReason::included, "p1"},
        {{{"acme"}, {}}, "p2", false, ScopeReason::not_included, ""},
        {{{}, {"globex"}}, "p2", false, ScopeReason::excluded, "globex"},
        {{{}, {"p2"}}, "p2", false, ScopeReason::excluded, "p2"},
        {{{}, {"globex"}}, "p1", true, ScopeReason::every_project, ""},
        {{{"acme", "globex"}, {"p2"}}, "p2", false, ScopeReason::excluded, "p2"},  // exclude wins
        {{{"acme", "globex"}, {"p2"}}, "p1", true, ScopeReason::included, "acme"},
        {{{"shared"}, {}}, "p3", true, ScopeReason::included, "shared"},  // a name names each project
        {{{"shared"}, {}}, "p4", true, ScopeReason::included, "shared"},
        {{{}, {"gone-project"}}, "gone-project", false, ScopeReason::excluded, "gone-project"},  // kept as an id
        {{{"acme"}, {}}, "", false, ScopeReason::not_included, ""},
    };
    for (const auto& row : rows) {
        CAPTURE(row.project);
        auto resolved = resolve_project_scope(row.lists, kProjects);
        CHECK(resolved.scope.configured() == !row.lists.empty());
        auto d = resolved.scope.decide(row.project);
        CHECK(d.in_scope == row.in_scope);
        CHECK(d.reason == row.reason);
        CHECK(d.item == row.item);
    }
}

TEST_CASE("project scope: an item no project answers to, an ambiguous name and a project in both lists warn") {
    auto r = resolve_project_scope({{"acme", "nosuch"}, {"p1", "shared"}}, kProjects);
    CHECK(r.warnings == std::vector<std::string>{
                            "[conductor] include_projects: 'nosuch' is neither the id nor the name of a project "
                            "Keystone lists (kept as an id)",
                            "[conductor] exclude_projects: 'shared' names 2 projects (p3, p4); it stands for each of "
                            "them",
                            "[conductor] project p1 is in include_projects (as 'acme') and in exclude_projects (as "
                            "'p1'); it is excluded",
                        });
    CHECK_FALSE(r.scope.decide("p1").in_scope);
    CHECK_FALSE(r.scope.decide("p3").in_scope);
    CHECK_FALSE(r.scope.decide("p2").in_scope);  // not included
    CHECK(resolve_project_scope({{"acme"}, {"globex"}}, kProjects).warnings.empty());
}

TEST_CASE("project scope: the reasons as text") {
    CHECK(describe(ScopeDecision{true, ScopeReason::every_project, ""}) == "every project is in scope");
    CHECK(describe(ScopeDecision{true, ScopeReason::included, "acme"}) == "in include_projects ('acme')");
    CHECK(describe(ScopeDecision{false, ScopeReason::not_included, ""}) == "not in include_projects");
    CHECK(describe(ScopeDecision{false, ScopeReason::excluded, "p2"}) == "excluded by exclude_projects ('p2')");
}

TEST_CASE("project scope: the excluded projects that have tagged servers, each with its count and reason") {
    auto s1 = server("s1", "p1"), s2 = server("s2", "p2"), s3 = server("s3", "p2"), s4 = server("s4", "gone");
    auto scope = resolve_project_scope({{"acme"}, {"globex"}}, kProjects).scope;
    auto out = excluded_projects({&s1, &s2, &s3, &s4}, scope, kProjects);
    REQUIRE(out.size() == 2);
    CHECK(out[0].project_id == "gone");
    CHECK(out[0].project_name == "");
    CHECK(out[0].tagged_servers == 1);
    CHECK(out[0].decision.reason == ScopeReason::not_included);
    CHECK(out[1].project_id == "p2");
    CHECK(out[1].project_name == "globex");
    CHECK(out[1].tagged_servers == 2);
    CHECK(describe(out[0]) ==
          "project gone is not in include_projects: 1 server tagged for backup is not backed up and retention does "
          "not touch the project's backups");
    CHECK(describe(out[1]) ==
          "project globex (p2) is excluded by exclude_projects ('globex'): 2 servers tagged for backup are not backed "
          "up and retention does not touch the project's backups");
    CHECK(excluded_projects({&s1, &s2}, ProjectScope{}, kProjects).empty());
}
