#include "staffeln/core/project_scope.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

namespace staffeln::core {
namespace {

// The ids of the projects an item names: its own id, or every project with that name.
std::vector<const Project*> matches(const std::string& item, const std::vector<Project>& projects) {
    std::vector<const Project*> by_name;
    for (const auto& p : projects) {
        if (p.id == item) return {&p};
        if (p.name == item) by_name.push_back(&p);
    }
    return by_name;
}

void resolve(const char* option, const std::vector<std::string>& items, const std::vector<Project>& projects,
             std::unordered_map<std::string, std::string>& ids, std::vector<std::string>& warnings) {
    for (const auto& item : items) {
        auto found = matches(item, projects);
        if (found.empty()) {
            warnings.push_back(
                fmt::format("[conductor] {}: '{}' is neither the id nor the name of a project "
                            "Keystone lists (kept as an id)",
                            option, item));
            ids.try_emplace(item, item);
            continue;
        }
        if (found.size() > 1) {
            std::vector<std::string> ids_found;
            for (const auto* p : found) ids_found.push_back(p->id);
            warnings.push_back(fmt::format("[conductor] {}: '{}' names {} projects ({}); it stands for each of them",
                                           option, item, found.size(), fmt::join(ids_found, ", ")));
        }
        for (const auto* p : found) ids.try_emplace(p->id, item);
    }
}

}  // namespace

ScopeDecision ProjectScope::decide(std::string_view project_id) const {
    const std::string id(project_id);
    if (auto it = excluded_.find(id); it != excluded_.end()) return {false, ScopeReason::excluded, it->second};
    if (include_all_) return {true, ScopeReason::every_project, {}};
    if (auto it = included_.find(id); it != included_.end()) return {true, ScopeReason::included, it->second};
    return {false, ScopeReason::not_included, {}};
}

ResolvedScope resolve_project_scope(const ProjectScopeLists& lists, const std::vector<Project>& projects) {
    ResolvedScope out;
    ProjectScope& s = out.scope;
    s.configured_ = !lists.empty();
    s.include_all_ = lists.include.empty();
    resolve("include_projects", lists.include, projects, s.included_, out.warnings);
    resolve("exclude_projects", lists.exclude, projects, s.excluded_, out.warnings);
    // The same text in both lists is refused when the configuration is read; an id in one and
    // the name in the other meet only here.
    std::map<std::string, std::pair<std::string, std::string>> both;  // sorted: a stable order of warnings
    for (const auto& [id, item] : s.excluded_)
        if (auto in = s.included_.find(id); in != s.included_.end()) both.try_emplace(id, in->second, item);
    for (const auto& [id, items] : both)
        out.warnings.push_back(fmt::format(
            "[conductor] project {} is in include_projects (as '{}') and in exclude_projects (as '{}'); it is excluded",
            id, items.first, items.second));
    return out;
}

std::string describe(const ScopeDecision& d) {
    switch (d.reason) {
        case ScopeReason::every_project:
            return "every project is in scope";
        case ScopeReason::included:
            return fmt::format("in include_projects ('{}')", d.item);
        case ScopeReason::not_included:
            return "not in include_projects";
        case ScopeReason::excluded:
            return fmt::format("excluded by exclude_projects ('{}')", d.item);
    }
    return "every project is in scope";
}

std::vector<ExcludedProject> excluded_projects(const std::vector<const Server*>& tagged, const ProjectScope& scope,
                                               const std::vector<Project>& projects) {
    std::map<std::string, ExcludedProject> out;
    for (const auto* server : tagged) {
        auto decision = scope.decide(server->project_id);
        if (decision.in_scope) continue;
        auto [it, fresh] = out.try_emplace(server->project_id);
        if (fresh) it->second = {server->project_id, {}, std::move(decision), 0};
        ++it->second.tagged_servers;
    }
    for (const auto& p : projects)
        if (auto it = out.find(p.id); it != out.end()) it->second.project_name = p.name;
    std::vector<ExcludedProject> list;
    for (auto& [id, project] : out) list.push_back(std::move(project));
    return list;
}

std::string describe(const ExcludedProject& p) {
    auto who = p.project_name.empty() ? p.project_id : fmt::format("{} ({})", p.project_name, p.project_id);
    return fmt::format(
        "project {} is {}: {} server{} tagged for backup {} not backed up and retention does not touch the project's "
        "backups",
        who, describe(p.decision), p.tagged_servers, p.tagged_servers == 1 ? "" : "s",
        p.tagged_servers == 1 ? "is" : "are");
}

}  // namespace staffeln::core
