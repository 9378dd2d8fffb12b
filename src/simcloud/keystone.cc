#include "simcloud/keystone.h"

#include "simcloud/ids.h"

#include <fmt/format.h>

#include <functional>

namespace staffeln::sim {
namespace {

Reply forbidden(const char* action) {
    return keystone_error(403, fmt::format("You are not authorized to perform the requested action: {}.", action));
}

json version_v3(const std::string& base) {
    return {{"id", "v3.14"},
            {"status", "stable"},
            {"updated", "2020-04-07T00:00:00Z"},
            {"links", json::array({{{"rel", "self"}, {"href", base + "/identity/v3/"}}})},
            {"media-types",
             json::array({{{"base", "application/json"}, {"type", "application/vnd.openstack.identity-v3+json"}}})}};
}

std::string endpoint_id(const std::string& service, const std::string& interface) {
    return fmt::format("{:016x}{:016x}", std::hash<std::string>{}(service + interface),
                       std::hash<std::string>{}(interface + service));
}

json domain_ref(const Cloud& cloud, const std::string& domain_id) REQUIRES(cloud.mutex) {
    const Domain* d = cloud.domain(domain_id);
    return {{"id", domain_id}, {"name", d ? d->name : domain_id}};
}

// {"id"} or {"name", "domain": {"id"|"name"}}: the handle it names, if it exists in that domain.
template <class Find, class DomainOf>
std::optional<Handle> resolve(const json& ref, const Cloud& cloud, Find find, DomainOf domain_of)
    REQUIRES(cloud.mutex) {
    if (!ref.is_object()) return std::nullopt;
    if (ref.contains("id") && ref["id"].is_string()) return find(ref["id"].get<std::string>());
    if (!ref.contains("name") || !ref["name"].is_string() || !ref.contains("domain")) return std::nullopt;
    const json& d = ref["domain"];
    std::string domain_key = d.value("id", d.value("name", ""));
    const Domain* dom = cloud.domain(domain_key);
    if (!dom) return std::nullopt;
    auto h = find(ref["name"].get<std::string>());
    if (!h || domain_of(*h) != dom->id) return std::nullopt;
    return h;
}

std::optional<Handle> resolve_user(const Cloud& cloud, const json& ref) REQUIRES(cloud.mutex) {
    return resolve(
        ref, cloud,
        [&](const std::string& k) {
            cloud.mutex.assert_held();
            return cloud.user(k);
        },
        [&](Handle h) {
            cloud.mutex.assert_held();
            return cloud.users[h].domain_id;
        });
}

std::optional<Handle> resolve_project(const Cloud& cloud, const json& ref) REQUIRES(cloud.mutex) {
    return resolve(
        ref, cloud,
        [&](const std::string& k) {
            cloud.mutex.assert_held();
            return cloud.project(k);
        },
        [&](Handle h) {
            cloud.mutex.assert_held();
            return cloud.projects[h].domain_id;
        });
}

json token_body(const Cloud& cloud, const Token& t, const std::string& base, const AppCredential* app_cred)
    REQUIRES(cloud.mutex) {
    const User& u = cloud.users[t.user];
    json token = {{"methods", t.methods},
                  {"user",
                   {{"domain", domain_ref(cloud, u.domain_id)},
                    {"id", u.id},
                    {"name", u.name},
                    {"password_expires_at", nullptr}}},
                  {"audit_ids", json::array({t.audit_id})},
                  {"expires_at", keystone_time(t.expires)},
                  {"issued_at", keystone_time(t.issued)}};
    if (t.project) {
        const Project& p = cloud.projects[*t.project];
        token["project"] = {{"domain", domain_ref(cloud, p.domain_id)}, {"id", p.id}, {"name", p.name}};
        token["is_domain"] = false;
        json roles = json::array();
        for (Handle r : t.roles) roles.push_back({{"id", cloud.roles[r].id}, {"name", cloud.roles[r].name}});
        token["roles"] = roles;
        token["catalog"] = catalog(cloud, base, p.id);
    }
    if (app_cred)
        token["application_credential"] = {{"id", app_cred->id}, {"name", app_cred->name}, {"restricted", true}};
    return {{"token", token}};
}

Reply issue(Cloud& cloud, const Call& call, Handle user, std::optional<Handle> project,
            std::vector<std::string> methods, const AppCredential* app_cred) REQUIRES(cloud.mutex) {
    Token t;
    t.user = user;
    t.project = project;
    t.methods = std::move(methods);
    t.issued = call.now;
    t.expires = call.now + static_cast<Micros>(cloud.settings.token_lifetime_s * 1e6);
    t.audit_id = new_token().substr(7, 22);
    if (project) {
        t.roles = cloud.roles_of(user, *project);
        if (t.roles.empty()) return keystone_error(401, "The request you have made requires authentication.");
        t.is_admin = cloud.is_admin_role(t.roles);
    }
    std::string id = new_token();
    Reply r = json_reply(201, token_body(cloud, t, call.base_url, app_cred));
    r.headers.emplace_back("X-Subject-Token", id);
    r.headers.emplace_back("Vary", "X-Auth-Token");
    cloud.tokens.emplace(std::move(id), std::move(t));
    return r;
}

void forget_expired_tokens(Cloud& cloud, Micros now) REQUIRES(cloud.mutex) {
    if (cloud.tokens.size() < 100000) return;
    std::erase_if(cloud.tokens, [&](const auto& entry) { return entry.second.expires <= now; });
}

Reply authenticate_password(Cloud& cloud, const Call& call, const json& identity, const json& auth)
    REQUIRES(cloud.mutex) {
    const json& password = identity["password"];
    if (!password.is_object() || !password.contains("user"))
        return keystone_error(400, "Invalid input for field 'identity/password': 'user' is a required property");
    const json& user_ref = password["user"];
    auto user = resolve_user(cloud, user_ref);
    if (!user || !user_ref.contains("password") || user_ref["password"] != cloud.users[*user].password)
        return keystone_error(401, "The request you have made requires authentication.");
    std::optional<Handle> project;
    if (auth.contains("scope")) {
        const json& scope = auth["scope"];
        if (!scope.contains("project"))
            return keystone_error(401, "The request you have made requires authentication.");
        project = resolve_project(cloud, scope["project"]);
        if (!project) return keystone_error(401, "The request you have made requires authentication.");
    }
    return issue(cloud, call, *user, project, {"password"}, nullptr);
}

Reply authenticate_app_credential(Cloud& cloud, const Call& call, const json& identity) REQUIRES(cloud.mutex) {
    const json& ref = identity["application_credential"];
    if (!ref.is_object() || !ref.contains("secret"))
        return keystone_error(
            400, "Invalid input for field 'identity/application_credential': 'secret' is a required property");
    const AppCredential* found = nullptr;
    for (const AppCredential& ac : cloud.app_credentials) {
        if (ref.contains("id")) {
            if (ref["id"] == ac.id) found = &ac;
        } else if (ref.contains("name") && ref["name"] == ac.name && ref.contains("user")) {
            auto user = resolve_user(cloud, ref["user"]);
            if (user && *user == ac.user) found = &ac;
        }
        if (found) break;
    }
    if (!found || ref["secret"] != found->secret)
        return keystone_error(401, "The request you have made requires authentication.");
    return issue(cloud, call, found->user, found->project, {"application_credential"}, found);
}

Reply authenticate_token(Cloud& cloud, const Call& call, const json& identity, const json& auth) REQUIRES(cloud.mutex) {
    const json& ref = identity["token"];
    auto it = ref.is_object() && ref.contains("id") && ref["id"].is_string()
                  ? cloud.tokens.find(ref["id"].get<std::string>())
                  : cloud.tokens.end();
    if (it == cloud.tokens.end() || it->second.expires <= call.now)
        return keystone_error(401, "The request you have made requires authentication.");
    std::optional<Handle> project = it->second.project;
    if (auth.contains("scope") && auth["scope"].contains("project")) {
        project = resolve_project(cloud, auth["scope"]["project"]);
        if (!project) return keystone_error(401, "The request you have made requires authentication.");
    }
    return issue(cloud, call, it->second.user, project, {"token", "password"}, nullptr);
}

Reply post_tokens(Cloud& cloud, const Call& call) REQUIRES(cloud.mutex) {
    forget_expired_tokens(cloud, call.now);
    json body = json::parse(call.req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("auth") || !body["auth"].is_object())
        return keystone_error(400, "Invalid input for field 'auth': 'auth' is a required property");
    const json& auth = body["auth"];
    if (!auth.contains("identity") || !auth["identity"].contains("methods") || !auth["identity"]["methods"].is_array())
        return keystone_error(400, "Invalid input for field 'identity': 'methods' is a required property");
    const json& identity = auth["identity"];
    const json& methods = identity["methods"];
    auto has = [&](const char* m) { return std::find(methods.begin(), methods.end(), m) != methods.end(); };
    if (has("password") && identity.contains("password")) return authenticate_password(cloud, call, identity, auth);
    if (has("application_credential") && identity.contains("application_credential"))
        return authenticate_app_credential(cloud, call, identity);
    if (has("token") && identity.contains("token")) return authenticate_token(cloud, call, identity, auth);
    return keystone_error(401, "The request you have made requires authentication.");
}

Reply get_token(Cloud& cloud, const Call& call) REQUIRES(cloud.mutex) {
    std::string subject = call.req.get_header_value("X-Subject-Token");
    auto it = cloud.tokens.find(subject);
    if (it == cloud.tokens.end() || it->second.expires <= call.now)
        return keystone_error(404, fmt::format("Could not find token: {}.", subject));
    Reply r = json_reply(200, token_body(cloud, it->second, call.base_url, nullptr));
    r.headers.emplace_back("X-Subject-Token", subject);
    return r;
}

json project_json(const Project& p, const std::string& base) {
    return {{"id", p.id},
            {"name", p.name},
            {"domain_id", p.domain_id},
            {"description", p.description},
            {"enabled", true},
            {"parent_id", p.domain_id},
            {"is_domain", false},
            {"tags", json::array()},
            {"options", json::object()},
            {"links", {{"self", base + "/identity/v3/projects/" + p.id}}}};
}

std::string self_url(const Call& call) {
    std::string url = fmt::format("{}{}", call.base_url, call.req.path);
    char sep = '?';
    for (const auto& [k, v] : call.req.params) {
        fmt::format_to(std::back_inserter(url), "{}{}={}", sep, k, v);
        sep = '&';
    }
    return url;
}

json list_links(const Call& call) { return {{"next", nullptr}, {"self", self_url(call)}, {"previous", nullptr}}; }

Reply list_projects(Cloud& cloud, const Call& call, const Caller& caller) REQUIRES(cloud.mutex) {
    if (!caller.is_admin) return forbidden("identity:list_projects");
    auto name = call.param("name");
    auto domain = call.param("domain_id");
    json items = json::array();
    for (const Project& p : cloud.projects) {
        if ((name && p.name != *name) || (domain && p.domain_id != *domain)) continue;
        items.push_back(project_json(p, call.base_url));
    }
    return json_reply(200, {{"projects", items}, {"links", list_links(call)}});
}

Reply get_project(Cloud& cloud, const Call& call, const Caller& caller, const std::string& id) REQUIRES(cloud.mutex) {
    auto p = cloud.project(id);
    if (!caller.is_admin && !(p && caller.project == p)) return forbidden("identity:get_project");
    if (!p || cloud.projects[*p].id != id) return keystone_error(404, fmt::format("Could not find project: {}.", id));
    return json_reply(200, {{"project", project_json(cloud.projects[*p], call.base_url)}});
}

Reply get_user(Cloud& cloud, const Call& call, const Caller& caller, const std::string& id) REQUIRES(cloud.mutex) {
    auto u = cloud.user(id);
    if (!caller.is_admin && !(u && caller.user == *u)) return forbidden("identity:get_user");
    if (!u || cloud.users[*u].id != id) return keystone_error(404, fmt::format("Could not find user: {}.", id));
    const User& user = cloud.users[*u];
    json body = {{"id", user.id},
                 {"name", user.name},
                 {"domain_id", user.domain_id},
                 {"enabled", true},
                 {"password_expires_at", nullptr},
                 {"options", json::object()},
                 {"links", {{"self", call.base_url + "/identity/v3/users/" + user.id}}}};
    if (!user.email.empty()) body["email"] = user.email;
    if (!user.default_project_id.empty()) body["default_project_id"] = user.default_project_id;
    return json_reply(200, {{"user", body}});
}

Reply list_role_assignments(Cloud& cloud, const Call& call, const Caller& caller) REQUIRES(cloud.mutex) {
    if (!caller.is_admin) return forbidden("identity:list_role_assignments");
    auto project_id = call.param("scope.project.id");
    auto user_id = call.param("user.id");
    bool names = call.req.has_param("include_names") && call.param("include_names") != "0" &&
                 call.param("include_names") != "false";
    json items = json::array();
    for (const Assignment& a : cloud.assignments) {
        const Project& p = cloud.projects[a.project];
        const User& u = cloud.users[a.user];
        const Role& r = cloud.roles[a.role];
        if ((project_id && p.id != *project_id) || (user_id && u.id != *user_id)) continue;
        json project = {{"id", p.id}};
        json user = {{"id", u.id}};
        json role = {{"id", r.id}};
        if (names) {
            project["name"] = p.name;
            project["domain"] = domain_ref(cloud, p.domain_id);
            user["name"] = u.name;
            user["domain"] = domain_ref(cloud, u.domain_id);
            role["name"] = r.name;
        }
        items.push_back({{"links",
                          {{"assignment", fmt::format("{}/identity/v3/projects/{}/users/{}/roles/{}", call.base_url,
                                                      p.id, u.id, r.id)}}},
                         {"scope", {{"project", project}}},
                         {"user", user},
                         {"role", role}});
    }
    return json_reply(200, {{"role_assignments", items}, {"links", list_links(call)}});
}

Reply auth_projects(Cloud& cloud, const Call& call, const Caller& caller) REQUIRES(cloud.mutex) {
    json items = json::array();
    for (Handle p = 0; p < cloud.projects.size(); ++p)
        if (!cloud.roles_of(caller.user, p).empty()) items.push_back(project_json(cloud.projects[p], call.base_url));
    return json_reply(200, {{"projects", items}, {"links", list_links(call)}});
}

Reply authenticated(Cloud& cloud, const Call& call) REQUIRES(cloud.mutex) {
    auto who = authenticate(cloud, call.req, call.now);
    if (auto* r = std::get_if<Reply>(&who)) return *r;
    const Caller& caller = std::get<Caller>(who);
    const auto& s = call.segs;
    const std::string& m = call.req.method;
    if (m == "GET" && s.size() == 2 && s[1] == "projects") return list_projects(cloud, call, caller);
    if (m == "GET" && s.size() == 3 && s[1] == "projects") return get_project(cloud, call, caller, s[2]);
    if (m == "GET" && s.size() == 3 && s[1] == "users") return get_user(cloud, call, caller, s[2]);
    if (m == "GET" && s.size() == 2 && s[1] == "role_assignments") return list_role_assignments(cloud, call, caller);
    if (m == "GET" && s.size() == 3 && s[1] == "auth" && s[2] == "projects") return auth_projects(cloud, call, caller);
    if (m == "GET" && s.size() == 3 && s[1] == "auth" && s[2] == "tokens") return get_token(cloud, call);
    return keystone_error(404, "The resource could not be found.");
}

}  // namespace

json catalog(const Cloud& cloud, const std::string& base, const std::string& project_id) REQUIRES(cloud.mutex) {
    struct Service {
        const char* type;
        const char* name;
        std::string url;
    };
    const Service services[] = {{"identity", "keystone", base + "/identity/v3"},
                                {"compute", "nova", base + "/compute/v2.1"},
                                {"block-storage", "block-storage", base + "/volume/v3/" + project_id},
                                {"volumev3", "cinderv3", base + "/volume/v3/" + project_id}};
    json out = json::array();
    for (const Service& s : services) {
        json endpoints = json::array();
        for (const char* interface : {"public", "internal", "admin"})
            endpoints.push_back({{"id", endpoint_id(s.type, interface)},
                                 {"interface", interface},
                                 {"region_id", cloud.settings.region},
                                 {"url", s.url},
                                 {"region", cloud.settings.region}});
        out.push_back({{"type", s.type}, {"name", s.name}, {"endpoints", endpoints}});
    }
    return out;
}

Reply handle_keystone(Cloud& cloud, const Call& call) REQUIRES(cloud.mutex) {
    const auto& s = call.segs;
    const std::string& m = call.req.method;
    Reply r;
    if (m == "GET" && s.empty()) {
        r = json_reply(300, {{"versions", {{"values", json::array({version_v3(call.base_url)})}}}});
        r.headers.emplace_back("Location", call.base_url + "/identity/v3/");
    } else if (s.empty() || s[0] != "v3") {
        r = keystone_error(404, "The resource could not be found.");
    } else if (m == "GET" && s.size() == 1) {
        r = json_reply(200, {{"version", version_v3(call.base_url)}});
    } else if (m == "POST" && s.size() == 3 && s[1] == "auth" && s[2] == "tokens") {
        r = post_tokens(cloud, call);
    } else {
        r = authenticated(cloud, call);
    }
    r.headers.emplace_back("x-openstack-request-id", new_request_id());
    return r;
}

}  // namespace staffeln::sim
