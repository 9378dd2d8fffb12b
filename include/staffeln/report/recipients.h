// Who receives a project's report, upstream's rules in order: `[notification] receiver` when
// set; else "<project name>@<project_receiver_domain>" when the domain is set; else the
// e-mail addresses of the project's members. No usable address: the project is skipped this
// time (skip_reason says why) and tried again next cycle. Pure.
#pragma once

#include <string>
#include <vector>

namespace staffeln::report {

struct RecipientPolicy {
    std::vector<std::string> receiver;    // [notification] receiver
    std::string project_receiver_domain;  // [notification] project_receiver_domain
};

enum class RecipientSource { receiver, project_domain, project_members, none };

struct Recipients {
    std::vector<std::string> addresses;  // sorted, without duplicates
    RecipientSource source = RecipientSource::none;
    std::string skip_reason;  // set exactly when addresses is empty
};

// Whether choose_recipients needs the members' addresses (a Keystone call) under this policy.
bool needs_member_emails(const RecipientPolicy& policy);

Recipients choose_recipients(const RecipientPolicy& policy, const std::string& project_name,
                             const std::vector<std::string>& member_emails);

const char* to_string(RecipientSource source);

}  // namespace staffeln::report
