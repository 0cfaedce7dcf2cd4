#include "core/source_presets.h"
#include "core/sources.h"
#include "core/template.h"

namespace baton::core {

namespace {

// The part of `payload` that `path` ("payload" or "payload.a.b") names, or nullptr.
const nlohmann::json* at_path(const nlohmann::json& payload, const std::string& path) {
    const nlohmann::json* node = &payload;
    std::size_t start = std::string_view("payload").size();
    while (node != nullptr && start < path.size()) {
        const auto next = path.find('.', start + 1);
        const std::string key = path.substr(
            start + 1, next == std::string::npos ? std::string::npos : next - start - 1);
        node = node->is_object() && node->contains(key) ? &(*node)[key] : nullptr;
        start = next == std::string::npos ? path.size() : next;
    }
    return node;
}

// A required template (type, id): its text, or the refusal naming what was missing.
Result<std::string> render_required(const std::string& text, const TemplateContext& ctx,
                                    const std::string& field) {
    const Rendered r = render_template(text, ctx);
    if (!r.missing.empty()) {
        return make_error(ErrorCode::invalid_argument,
                          "the delivery has no `" + r.missing.front() + "`, which " +
                              field.substr(field.rfind('.') + 1) + ": `" + text + "` needs",
                          field);
    }
    if (r.text.empty()) {
        return make_error(ErrorCode::invalid_argument,
                          "the delivery has no " + field.substr(field.rfind('.') + 1) + ": `" +
                              text + "` rendered empty",
                          field);
    }
    return r.text;
}

Result<Event> one_event(const Source& source, const nlohmann::json& payload,
                        const DeliveryFacts& delivery, TimePoint now, const std::string& at) {
    TemplateContext ctx;
    ctx.payload = &payload;
    ctx.delivery_id = delivery.id;
    ctx.delivery_event = delivery.event;
    Event event;
    event.source = source.name;
    event.time = now;
    auto type = render_required(source.type, ctx, at + "type");
    if (!type) return type.error();
    event.type = std::move(type).value();
    auto id = render_required(source.id, ctx, at + "id");
    if (!id) return id.error();
    event.id = std::move(id).value();
    if (!source.subject.empty()) {
        auto subject = render_template(source.subject, ctx).text;
        if (!subject.empty()) event.subject = std::move(subject);
    }
    const nlohmann::json* data = at_path(payload, source.data);
    if (data == nullptr || !data->is_object()) {
        return make_error(ErrorCode::invalid_argument,
                          "the delivery has no object at `" + source.data + "`", at + "data");
    }
    event.data = *data;
    if (auto st = validate_event(event); !st) {
        Error e = st.error();
        e.field = at + e.field;
        return e;
    }
    return event;
}

}  // namespace

Result<std::vector<Event>> events_of_delivery(const Source& source, const nlohmann::json& payload,
                                              const DeliveryFacts& delivery, TimePoint now) {
    std::vector<Event> events;
    if (!source.batch) {
        auto event = one_event(source, payload, delivery, now, "");
        if (!event) return event.error();
        events.push_back(std::move(event).value());
        return events;
    }
    if (!payload.is_array() || payload.empty()) {
        return make_error(ErrorCode::invalid_argument,
                          "source `" + source.name + "` takes a JSON array of events", "body");
    }
    if (payload.size() > source_batch_entries_max) {
        return make_error(ErrorCode::invalid_argument,
                          "the delivery has " + std::to_string(payload.size()) +
                              " events; at most " + std::to_string(source_batch_entries_max) +
                              " are taken in one",
                          "body");
    }
    for (std::size_t i = 0; i < payload.size(); ++i) {
        auto event = one_event(source, payload[i], delivery, now, "[" + std::to_string(i) + "].");
        if (!event) return event.error();
        events.push_back(std::move(event).value());
    }
    return events;
}

}  // namespace baton::core
