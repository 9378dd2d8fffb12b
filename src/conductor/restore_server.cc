#include "staffeln/conductor/restore_server.h"

#include "staffeln/core/restore_plan.h"
#include "staffeln/core/restore_step.h"
#include "staffeln/failpoint.h"
#include "staffeln/log.h"
#include "staffeln/text_safety.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace staffeln::conductor {
namespace {

TimePoint now() { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); }

class ServerRun {
public:
    ServerRun(openstack::Nova& nova, store::Database& db, const store::StoredRestore& restore,
              store::StoredServerRestore& server, const core::ServerDefinition& recorded,
              const ServerRunOptions& options)
        : nova_(nova), db_(db), restore_(restore), server_(server), recorded_(recorded), options_(options) {}

    Status run() {
        const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
        while (true) {
            auto tagged = look();
            if (!tagged) return fail(tagged.error().message);
            core::ServerDecision decision = core::next_server_step(*tagged);
            if (!decision.server_id.empty() && decision.server_id != server_.server_id) {
                server_.server_id = decision.server_id;
                server_.state = store::ServerState::building;
                if (auto s = record(); !s) return s;
            }
            switch (decision.step) {
                case core::ServerStep::boot:
                    if (unconfirmed_until_ && std::chrono::steady_clock::now() < *unconfirmed_until_) {
                        std::this_thread::sleep_for(options_.poll);
                        break;
                    }
                    unconfirmed_until_.reset();
                    if (auto booted = boot(); !booted) {
                        return booted.error().kind == ErrorKind::conflict ? fail(booted.error().message)
                                                                          : Status(booted.error());
                    } else if (!*booted) {
                        // The boot may have reached Nova: looked for by its tag before another is sent.
                        unconfirmed_until_ = std::chrono::steady_clock::now() + options_.settle;
                    }
                    break;
                case core::ServerStep::wait:
                    if (std::chrono::steady_clock::now() > deadline)
                        return fail(fmt::format("server {} still building after {} s", server_.server_id,
                                                options_.timeout.count()));
                    std::this_thread::sleep_for(options_.poll);
                    break;
                case core::ServerStep::done:
                    server_.state = store::ServerState::active;
                    server_.last_error.clear();
                    return record();
                case core::ServerStep::fail:
                    return fail(decision.reason);
            }
        }
    }

private:
    // The server known by its id (one GET), else those listed tagged with the restore.
    Result<std::vector<core::TaggedServer>> look() {
        if (!server_.server_id.empty()) {
            auto got = nova_.get_server(server_.server_id);
            if (got) return std::vector<core::TaggedServer>{std::move(got).value()};
            if (got.error().kind != ErrorKind::not_found) return got.error();
            server_.server_id.clear();  // deleted since: the listing says whether another is tagged
        }
        return tagged_servers(nova_, restore_.project_id, restore_.id);
    }

    // True: booted and recorded; false: no answer, maybe booted. A refused plan or Nova's refusal
    // is a conflict error (the server fails); the store's errors pass.
    Result<bool> boot() {
        auto flavors = nova_.list_flavors();
        if (!flavors) return make_error(ErrorKind::conflict, flavors.error().message);
        core::RecreateOptions options{restore_.id, server_.name, server_.flavor, server_.keep_backup_tag,
                                      options_.backup_metadata_key};
        auto plan = core::plan_boot(recorded_, restored_volumes(restore_), *flavors, options);
        for (const auto& note : plan.notes) log::info("restore", "restore {}: {}", restore_.id, note);
        if (!plan.request) return make_error(ErrorKind::conflict, plan.refusal);
        failpoint::hit("restore.server.before_call");
        auto created = nova_.create_server(*plan.request, restore_.project_id);
        if (!created) {
            if (created.error().maybe_applied) return false;
            return make_error(ErrorKind::conflict, created.error().message);
        }
        failpoint::hit("restore.server.after_call");
        server_.server_id = *created;
        server_.state = store::ServerState::building;
        if (auto s = record(); !s) return s.error();
        return true;
    }

    Status record() { return store::record_server_restore(db_, server_, now()); }

    Status fail(const std::string& reason) {
        server_.state = store::ServerState::failed;
        server_.last_error = reason;
        log::warning("restore", "restore {}: server: {}", restore_.id, reason);
        return record();
    }

    openstack::Nova& nova_;
    store::Database& db_;
    const store::StoredRestore& restore_;
    store::StoredServerRestore& server_;
    const core::ServerDefinition& recorded_;
    const ServerRunOptions& options_;
    // A boot that may have reached Nova without its answer: looked for by its tag until then.
    std::optional<std::chrono::steady_clock::time_point> unconfirmed_until_;
};

}  // namespace

std::map<std::string, std::string> restored_volumes(const store::StoredRestore& restore) {
    std::map<std::string, std::string> out;
    for (const auto& v : restore.volumes)
        if (v.state == store::VolumeState::done) out.emplace(v.plan.source_volume_id, v.restored_volume_id);
    return out;
}

std::string restored_server_name(const std::string& name, const std::string& id, TimePoint point_time) {
    return core::restored_volume_name(name.empty() ? id : name, point_time);
}

Result<std::vector<core::TaggedServer>> tagged_servers(openstack::Nova& nova, const std::string& project_id,
                                                       const std::string& restore_id) {
    openstack::ServerQuery query;
    query.project_id = project_id;
    auto listed = nova.list_servers(query);
    if (!listed) return listed.error();
    std::vector<core::TaggedServer> out;
    for (const auto& s : *listed) {
        auto tag = s.metadata.find(core::kRestoreTag);
        if (tag == s.metadata.end() || tag->second != restore_id) continue;
        core::TaggedServer found{s.id, s.status, ""};
        if (s.status == "ERROR")  // the listing shows no fault: the server's own answer does
            if (auto got = nova.get_server(s.id)) found = std::move(got).value();
        out.push_back(std::move(found));
    }
    return out;
}

Result<store::StoredServerRestore> run_server_restore(openstack::Nova& nova, store::Database& db,
                                                      const store::StoredRestore& restore,
                                                      store::StoredServerRestore server,
                                                      const core::ServerDefinition& recorded,
                                                      const ServerRunOptions& options) {
    if (auto s = ServerRun(nova, db, restore, server, recorded, options).run(); !s) return s.error();
    return server;
}

Status delete_restored_servers(openstack::Nova& nova, const store::StoredRestore& restore,
                               const std::optional<store::StoredServerRestore>& recorded, std::FILE* out,
                               std::chrono::seconds wait) {
    auto tagged = tagged_servers(nova, restore.project_id, restore.id);
    if (!tagged) return tagged.error();
    std::vector<std::string> ids;
    for (const auto& s : *tagged) ids.push_back(s.id);
    if (recorded && !recorded->server_id.empty() && std::find(ids.begin(), ids.end(), recorded->server_id) == ids.end())
        ids.push_back(recorded->server_id);
    for (const auto& id : ids) {
        failpoint::hit("restore.cleanup.before_server_delete");
        auto deleted = nova.delete_server(id);
        if (!deleted && deleted.error().kind != ErrorKind::not_found)
            return make_error(deleted.error().kind, fmt::format("server {}: {}", id, deleted.error().message));
        // Its volumes stay attached until Nova has deleted it: waited for, so they can be deleted.
        const auto deadline = std::chrono::steady_clock::now() + wait;
        while (true) {
            auto got = nova.get_server(id);
            if (!got && got.error().kind == ErrorKind::not_found) break;
            if (got && got->status == "DELETED") break;
            if (std::chrono::steady_clock::now() > deadline)
                return make_error(ErrorKind::conflict,
                                  fmt::format("server {} still {} after {} s; run the cleanup again", id,
                                              got ? got->status : got.error().message, wait.count()));
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
        print_line(out, fmt::format("deleted server {}", id));
    }
    return {};
}

void wait_detached(openstack::Cinder& cinder, const std::string& project_id,
                   std::map<std::string, std::optional<Volume>>& made, std::chrono::seconds wait) {
    auto attached = [](const std::optional<Volume>& v) {
        return v && (v->status == "in-use" || v->status == "detaching" || v->status == "reserved" ||
                     v->status == "attaching");
    };
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
        bool any = false;
        for (auto& [id, shown] : made) {
            if (!attached(shown)) continue;
            auto got = cinder.get_volume(id, project_id);
            if (got)
                shown = std::move(got).value();
            else if (got.error().kind == ErrorKind::not_found)
                shown.reset();
            any = any || attached(shown);
        }
        if (!any) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

}  // namespace staffeln::conductor
