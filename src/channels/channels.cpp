#include "channels/channels.h"

namespace baton::channels {

Channels::Channels(ChannelOptions options)
    : transport_(std::move(options.transport)),
      slack_(transport_, options.slack_interval),
      email_(transport_),
      webhook_(transport_) {}

// The transport is a member declared first, so it would be destroyed last; stopping it
// here answers what is pending while the channels still exist, for a callback that sends
// again.
void Channels::shutdown() { transport_.shutdown(); }

Channels::~Channels() {
    transport_.shutdown();
}

Channel* Channels::find(std::string_view channel) {
    if (channel == "slack") return &slack_;
    if (channel == "email") return &email_;
    if (channel == "webhook") return &webhook_;
    return nullptr;
}

}  // namespace baton::channels
