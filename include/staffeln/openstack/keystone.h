// Keystone v3 calls staffeln makes: projects, the role assignments of a project (with names)
// and a user's e-mail, for reports. Lists follow Keystone's links.next to the end.
#pragma once

#include "staffeln/model.h"
#include "staffeln/openstack/session.h"

#include <string>
#include <vector>

namespace staffeln::openstack {

struct RoleAssignment {
    std::string user_id;
    std::string user_name;
    std::string role_id;
    std::string role_name;
};

struct User {
    std::string id;
    std::string name;
    std::string email;  // "" when Keystone holds none
};

class Keystone {
public:
    explicit Keystone(Session& session) : session_(session) {}

    Result<std::vector<Project>> list_projects();
    // User assignments in the project's scope (group assignments are left out).
    Result<std::vector<RoleAssignment>> role_assignments(const std::string& project_id);
    Result<User> get_user(const std::string& user_id);  // not_found when it does not exist

private:
    Session& session_;
};

}  // namespace staffeln::openstack
