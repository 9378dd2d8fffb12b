#include "staffeln/openstack/keystone.h"

#include "staffeln/openstack/query.h"

namespace staffeln::openstack {
namespace {

Project parse_project(const Json& p) {
    return Project{string_field(p, "id"), string_field(p, "name"), optional_string(p, "domain_id")};
}

std::optional<RoleAssignment> parse_assignment(const Json& a) {
    if (!a.contains("user")) return std::nullopt;  // a group's assignment
    const Json& user = object_field(a, "user");
    const Json& role = object_field(a, "role");
    return RoleAssignment{string_field(user, "id"), optional_string(user, "name"), string_field(role, "id"),
                          optional_string(role, "name")};
}

}  // namespace

Result<std::vector<Project>> Keystone::list_projects() {
    std::vector<Project> projects;
    const ServiceRequest request{Service::identity, "GET", "/projects", {}, {}, Idempotency::idempotent};
    Status status = session_.get_all(request, "links", "keystone GET /v3/projects", [&](const Json& page) {
        for (const Json& p : array_field(page, "projects")) projects.push_back(parse_project(p));
    });
    if (!status) return status.error();
    return projects;
}

Result<std::vector<RoleAssignment>> Keystone::role_assignments(const std::string& project_id) {
    std::vector<RoleAssignment> assignments;
    const std::string path =
        "/role_assignments" + query_string({{"scope.project.id", project_id}, {"include_names", "1"}});
    const ServiceRequest request{Service::identity, "GET", path, {}, {}, Idempotency::idempotent};
    Status status = session_.get_all(request, "links", "keystone GET /v3/role_assignments", [&](const Json& page) {
        for (const Json& a : array_field(page, "role_assignments"))
            if (auto parsed = parse_assignment(a)) assignments.push_back(*parsed);
    });
    if (!status) return status.error();
    return assignments;
}

Result<User> Keystone::get_user(const std::string& user_id) {
    auto response =
        session_.call({Service::identity, "GET", "/users/" + percent_encode(user_id), {}, {}, Idempotency::idempotent});
    if (!response) return response.error();
    return parse_response("keystone GET /v3/users/" + user_id, response->body, [](const Json& body) {
        const Json& user = object_field(body, "user");
        return User{string_field(user, "id"), optional_string(user, "name"), optional_string(user, "email")};
    });
}

}  // namespace staffeln::openstack
