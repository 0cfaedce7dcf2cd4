// Every input Baton takes has a named limit, here, units last (STYLE.md rule 6).
// Each limit has a test that goes one past it.
#pragma once

#include <cstddef>

namespace baton::limits {

// Playbook and people files.
inline constexpr std::size_t yaml_file_bytes_max = 256 * 1024;
inline constexpr std::size_t playbooks_max = 1000;
inline constexpr std::size_t checklist_items_max = 50;
inline constexpr std::size_t escalation_levels_max = 10;
inline constexpr std::size_t reminders_max = 10;
inline constexpr std::size_t checkpoints_max = 10;
inline constexpr std::size_t id_bytes_max = 64;
inline constexpr std::size_t title_bytes_max = 200;
inline constexpr std::size_t text_bytes_max = 2000;          // done:, checklist items
inline constexpr std::size_t template_bytes_max = 1000;
inline constexpr std::size_t message_template_bytes_max = 16 * 1024;  // templates/NAME.md      // subject:, owner:, targets
inline constexpr std::size_t people_max = 10000;
inline constexpr std::size_t team_members_max = 1000;

// Conditions (`if:`).
inline constexpr std::size_t condition_bytes_max = 2000;
inline constexpr std::size_t condition_depth_max = 32;
inline constexpr std::size_t condition_list_items_max = 100;

// Events.
inline constexpr std::size_t event_bytes_max = 1024 * 1024;  // the whole JSON document
inline constexpr std::size_t event_type_bytes_max = 200;
inline constexpr std::size_t event_id_bytes_max = 200;
inline constexpr std::size_t event_source_bytes_max = 500;
inline constexpr std::size_t event_subject_bytes_max = 500;
inline constexpr std::size_t json_depth_max = 32;
inline constexpr std::size_t events_per_stdin_max = 1000000;

// Handoff actions.
inline constexpr std::size_t comment_bytes_max = 4000;
inline constexpr std::size_t reason_bytes_max = 1000;
inline constexpr std::size_t handle_bytes_max = 64;
inline constexpr std::size_t token_label_bytes_max = 200;  // an API token's label
inline constexpr std::size_t timeline_entries_max = 10000;   // per handoff

// Durations: at most one year, so deadline arithmetic never overflows.
inline constexpr long long duration_seconds_max = 366LL * 24 * 3600;

// Reads.
inline constexpr std::size_t list_page_max = 1000;
// A page of the board's card view (GET /v1/handoffs?view=card): a card is about a third of
// a full list item, and a column of the board comes in a few requests instead of many.
inline constexpr std::size_t list_card_page_max = 5000;
static_assert(list_card_page_max >= list_page_max);

// channels.yaml: the outside world a checkpoint reaches.
inline constexpr std::size_t url_bytes_max = 2048;
inline constexpr std::size_t channel_secret_bytes_max = 512;
inline constexpr std::size_t slack_channels_max = 200;
inline constexpr std::size_t outbound_webhooks_max = 200;
inline constexpr std::size_t allow_entries_max = 100;
inline constexpr std::size_t host_bytes_max = 253;  // a DNS name at its longest
inline constexpr std::size_t slack_channel_name_bytes_max = 81;  // "#" and Slack's 80

// The delivery log of POST /hooks/{source} (engine/engine_hooks.cpp).
// A refused call that was never verified keeps at most this much of its body: enough to
// read why, and to replay a typical vendor payload once the secret is fixed; a longer one is
// cut and cannot be replayed. A verified call keeps its whole body (the server's body limit).
inline constexpr std::size_t hook_unverified_body_bytes_max = 64 * 1024;
inline constexpr std::size_t hook_headers_kept_max = 64;          // headers logged a call
inline constexpr std::size_t hook_header_value_bytes_max = 2048;  // each, cut beyond
inline constexpr std::size_t hook_source_name_bytes_max = 100;    // the path's name, logged
// Refusals never verified (a wrong secret, an unknown source, a forgery) logged per source
// name a minute; past that they are only counted. Names past hook_budget_sources_max share
// one budget, so that random names cannot multiply it.
inline constexpr int hook_unverified_log_per_minute = 60;
inline constexpr std::size_t hook_budget_sources_max = 256;
// A page of GET /v1/deliveries.
inline constexpr std::size_t hook_deliveries_page_max = 200;

static_assert(template_bytes_max <= text_bytes_max);
static_assert(condition_depth_max <= json_depth_max);
static_assert(host_bytes_max < url_bytes_max);

}  // namespace baton::limits
