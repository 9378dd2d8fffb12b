#include "staffeln/report/recipients.h"

#include "staffeln/email_address.h"

#include <fmt/format.h>

#include <algorithm>

namespace staffeln::report {
namespace {

Recipients chosen(std::vector<std::string> addresses, RecipientSource source) {
    std::sort(addresses.begin(), addresses.end());
    addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
    return {std::move(addresses), source, {}};
}

Recipients skipped(std::string reason) { return {{}, RecipientSource::none, std::move(reason)}; }

}  // namespace

bool needs_member_emails(const RecipientPolicy& policy) {
    return policy.receiver.empty() && policy.project_receiver_domain.empty();
}

Recipients choose_recipients(const RecipientPolicy& policy, const std::string& project_name,
                             const std::vector<std::string>& member_emails) {
    if (!policy.receiver.empty()) {
        for (const auto& address : policy.receiver)
            if (!is_plain_address(address))
                return skipped(fmt::format("[notification] receiver '{}' is not an e-mail address", address));
        return chosen(policy.receiver, RecipientSource::receiver);
    }
    if (!policy.project_receiver_domain.empty()) {
        auto address = project_name + "@" + policy.project_receiver_domain;
        if (!is_plain_address(address))
            return skipped(
                fmt::format("project name '{}' with [notification] project_receiver_domain '{}' does "
                            "not make an e-mail address",
                            project_name, policy.project_receiver_domain));
        return chosen({address}, RecipientSource::project_domain);
    }
    std::vector<std::string> usable;
    std::copy_if(member_emails.begin(), member_emails.end(), std::back_inserter(usable), is_plain_address);
    if (usable.empty())
        return skipped(
            "no [notification] receiver or project_receiver_domain is set and no member of the "
            "project has an e-mail address");
    return chosen(std::move(usable), RecipientSource::project_members);
}

const char* to_string(RecipientSource source) {
    switch (source) {
        case RecipientSource::receiver:
            return "[notification] receiver";
        case RecipientSource::project_domain:
            return "[notification] project_receiver_domain";
        case RecipientSource::project_members:
            return "project members";
        case RecipientSource::none:
            return "none";
    }
    return "none";
}

}  // namespace staffeln::report
