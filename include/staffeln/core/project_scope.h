// Project scope: `[conductor] include_projects` and `exclude_projects`, each item a project's id
// or name. A project outside the scope is neither backed up nor rotated: its servers are left
// out of the backup plan and retention does not touch its backups. Pure: the shell passes
// Keystone's project list; each decision carries the list and item that made it.
#pragma once

#include "staffeln/model.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace staffeln::core {

struct ProjectScopeLists {
    std::vector<std::string> include;  // empty: every project
    std::vector<std::string> exclude;
    bool empty() const { return include.empty() && exclude.empty(); }
};

enum class ScopeReason : std::uint8_t {
    every_project,  // in: neither list is set
    included,       // in: include_projects names it
    not_included,   // out: include_projects is set and does not name it
    excluded,       // out: exclude_projects names it (whatever include_projects says)
};

struct ScopeDecision {
    bool in_scope = true;
    ScopeReason reason = ScopeReason::every_project;
    std::string item;  // included, excluded: the list item that names the project
};

// The lists resolved to project ids. An item matches the project whose id it is and every
// project whose name it is; an item matching none still stands for itself as an id (a deleted
// project's backups stay excluded by its id).
class ProjectScope {
public:
    ProjectScope() = default;
    bool configured() const { return configured_; }
    ScopeDecision decide(std::string_view project_id) const;

private:
    friend struct ResolvedScope resolve_project_scope(const ProjectScopeLists&, const std::vector<Project>&);
    bool configured_ = false;
    bool include_all_ = true;
    std::unordered_map<std::string, std::string> included_;  // project id -> the item naming it
    std::unordered_map<std::string, std::string> excluded_;
};

struct ResolvedScope {
    ProjectScope scope;
    // One per item that names no project Keystone lists, and per name that names several
    // projects or a project named in both lists (exclude_projects wins).
    std::vector<std::string> warnings;
};

ResolvedScope resolve_project_scope(const ProjectScopeLists& lists, const std::vector<Project>& projects);

// "excluded by exclude_projects ('acme')", "not in include_projects", "in include_projects ('p1')",
// "every project is in scope".
std::string describe(const ScopeDecision& decision);

// A project outside the scope that has servers tagged for backup: what the cycle's summary and
// --dry-run say of it.
struct ExcludedProject {
    std::string project_id;
    std::string project_name;  // "" when Keystone does not list it
    ScopeDecision decision;
    std::size_t tagged_servers = 0;
};

// The projects of `tagged` servers that the scope leaves out, by project id, with their names
// from `projects`.
std::vector<ExcludedProject> excluded_projects(const std::vector<const Server*>& tagged, const ProjectScope& scope,
                                               const std::vector<Project>& projects);

// "project acme (p1) is excluded by exclude_projects ('acme'): 2 servers tagged for backup are not
// backed up and retention does not touch the project's backups"
std::string describe(const ExcludedProject& project);

}  // namespace staffeln::core
