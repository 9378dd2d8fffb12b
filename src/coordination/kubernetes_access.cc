#include "staffeln/coordination/kubernetes_access.h"

#include "staffeln/regular_file.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>

namespace staffeln::coordination {
namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

// The `field` of the entry called `name` in the kubeconfig list `list_name` (clusters, users,
// contexts), or a null node; an error naming the entry when one is not a mapping with a text name.
Result<YAML::Node> named(const YAML::Node& root, const char* list_name, const std::string& name, const char* field) {
    YAML::Node list = root[list_name];
    if (!list || !list.IsSequence()) return YAML::Node(YAML::NodeType::Null);
    for (std::size_t i = 0; i < list.size(); ++i) {
        YAML::Node entry = list[i];
        if (!entry.IsMap() || !entry["name"] || !entry["name"].IsScalar())
            return make_error(ErrorKind::invalid_input,
                              fmt::format("{}[{}] has no name that is a string", list_name, i));
        if (entry["name"].Scalar() == name && entry[field]) return entry[field];
    }
    return YAML::Node(YAML::NodeType::Null);
}

std::string text(const YAML::Node& node, const char* key) {
    return node.IsMap() && node[key] && node[key].IsScalar() ? node[key].as<std::string>() : std::string();
}

}  // namespace

bool running_in_pod(const std::filesystem::path& service_account_dir) {
    std::error_code ec;
    return !env("KUBERNETES_SERVICE_HOST").empty() && !env("KUBERNETES_SERVICE_PORT").empty() &&
           std::filesystem::exists(service_account_dir / "token", ec);
}

Result<KubernetesAccess> find_kubernetes_access(const std::filesystem::path& service_account_dir) {
    if (running_in_pod(service_account_dir)) {
        std::string host = env("KUBERNETES_SERVICE_HOST");
        if (host.find(':') != std::string::npos) host = "[" + host + "]";
        KubernetesAccess access;
        access.server = fmt::format("https://{}:{}", host, env("KUBERNETES_SERVICE_PORT"));
        access.tls.cacert = (service_account_dir / "ca.crt").string();
        access.token_file = service_account_dir / "token";
        access.source = "the pod's service account";
        return access;
    }
    std::string kubeconfig = env("KUBECONFIG");
    if (kubeconfig.empty())
        return make_error(ErrorKind::invalid_input,
                          fmt::format("the Kubernetes API server is unknown: not in a pod (KUBERNETES_SERVICE_HOST and "
                                      "a token in {} are needed) and KUBECONFIG is not set",
                                      service_account_dir.string()));
    return read_kubeconfig(kubeconfig.substr(0, kubeconfig.find(':')));
}

Result<KubernetesAccess> read_kubeconfig(const std::filesystem::path& path) {
    auto content = read_regular_file(path, "kubeconfig");
    if (!content) return content.error();
    auto bad = [&](const std::string& why) {
        return make_error(ErrorKind::invalid_input, fmt::format("kubeconfig {}: {}", path.string(), why));
    };
    YAML::Node root;
    try {
        root = YAML::Load(*content);
    } catch (const YAML::Exception& e) {
        return bad(fmt::format("line {}: {}", e.mark.line + 1, e.msg));
    }
    if (!root.IsMap()) return bad("not a kubeconfig (no mapping at the top)");
    std::string context_name = text(root, "current-context");
    if (context_name.empty()) return bad("no current-context");
    auto context = named(root, "contexts", context_name, "context");
    if (!context) return bad(context.error().message);
    if (!context->IsMap()) return bad(fmt::format("context '{}' is not defined", context_name));
    std::string cluster_name = text(*context, "cluster"), user_name = text(*context, "user");
    auto cluster_entry = named(root, "clusters", cluster_name, "cluster");
    if (!cluster_entry) return bad(cluster_entry.error().message);
    const YAML::Node& cluster = *cluster_entry;
    if (!cluster.IsMap())
        return bad(fmt::format("cluster '{}' (of context '{}') is not defined", cluster_name, context_name));
    auto user_entry = named(root, "users", user_name, "user");
    if (!user_entry) return bad(user_entry.error().message);
    const YAML::Node& user = *user_entry;
    if (!user.IsMap()) return bad(fmt::format("user '{}' (of context '{}') is not defined", user_name, context_name));

    auto relative = [&](const std::string& file) {
        std::filesystem::path p(file);
        return p.is_absolute() ? p : path.parent_path() / p;
    };
    KubernetesAccess access;
    access.source = "kubeconfig " + path.string();
    access.server = text(cluster, "server");
    while (access.server.ends_with('/')) access.server.pop_back();
    if (access.server.starts_with("http://"))
        return bad(fmt::format("cluster '{}': server {} is not https:// (the bearer token would be sent in cleartext)",
                               cluster_name, access.server));
    if (!access.server.starts_with("https://"))
        return bad(fmt::format("cluster '{}' has no https:// server", cluster_name));
    if (auto ca = text(cluster, "certificate-authority"); !ca.empty())
        access.tls.cacert = relative(ca).string();
    else if (!text(cluster, "certificate-authority-data").empty())
        return bad(
            fmt::format("cluster '{}': certificate-authority-data is not supported; give the CA as a file in "
                        "certificate-authority",
                        cluster_name));
    access.tls.insecure = text(cluster, "insecure-skip-tls-verify") == "true";
    access.token = text(user, "token");
    if (auto file = text(user, "tokenFile"); !file.empty()) access.token_file = relative(file);
    if (access.token.empty() && access.token_file.empty())
        return bad(
            fmt::format("user '{}' has neither token nor tokenFile (only bearer tokens are supported)", user_name));
    return access;
}

Result<std::string> current_token(const KubernetesAccess& access) {
    if (access.token_file.empty()) return access.token;
    auto content = read_regular_file(access.token_file, "Kubernetes token file");
    if (!content) return content.error();
    std::string token = std::move(content).value();
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
    if (token.empty())
        return make_error(ErrorKind::unauthorized,
                          fmt::format("the token file {} is empty", access.token_file.string()));
    return token;
}

}  // namespace staffeln::coordination
