#include "core/utf8.h"

#include <algorithm>
#include <cstdio>

namespace baton::core {

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) {
        return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u;
    };
    const auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
        return byte(k) >= lo && byte(k) <= hi;
    };
    if (i >= text.size()) return 0;
    const unsigned c = byte(0);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;             // overlong
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
    if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;       // surrogates
    if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;  // overlong
    if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;  // > U+10FFFF
    return 0;
}

std::size_t utf8_ill_formed_length(std::string_view text, std::size_t i) {
    if (i >= text.size()) return 0;
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t expected = 0;
    unsigned lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
        expected = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        expected = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        expected = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 1;  // not a lead byte at all
    }
    std::size_t n = 1;
    while (n < expected && i + n < text.size()) {
        const auto b = static_cast<unsigned char>(text[i + n]);
        if (b < (n == 1 ? lo : 0x80) || b > (n == 1 ? hi : 0xBF)) break;
        ++n;
    }
    return n;
}

std::optional<std::size_t> utf8_invalid_at(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        // Most text is ASCII: skip it a byte at a time without the table.
        if (static_cast<unsigned char>(text[i]) < 0x80) {
            ++i;
            continue;
        }
        const std::size_t n = utf8_sequence_length(text, i);
        if (n == 0) return i;
        i += n;
    }
    return std::nullopt;
}

TextPosition text_position(std::string_view text, std::size_t offset) {
    TextPosition p;
    std::size_t i = 0;
    const std::size_t end = std::min(offset, text.size());
    while (i < end) {
        if (text[i] == '\n') {
            ++p.line;
            p.column = 1;
            ++i;
            continue;
        }
        const std::size_t n = utf8_sequence_length(text, i);
        i += n == 0 ? 1 : n;
        ++p.column;
    }
    return p;
}

namespace {

std::string byte_name(std::string_view text, std::size_t offset) {
    char name[8];
    std::snprintf(name, sizeof name, "0x%02X",
                  offset < text.size() ? static_cast<unsigned char>(text[offset]) : 0u);
    return name;
}

}  // namespace

std::string utf8_problem(std::string_view text, std::size_t offset) {
    return "is not UTF-8 text: byte " + byte_name(text, offset) + " at offset " +
           std::to_string(offset);
}

std::optional<Diagnostic> utf8_file_problem(const std::string& file, std::string_view text) {
    const auto bad = utf8_invalid_at(text);
    if (!bad) return std::nullopt;
    const TextPosition p = text_position(text, *bad);
    return Diagnostic{file, p.line, p.column,
                      "the file is not UTF-8 text (byte " + byte_name(text, *bad) +
                          "); save it as UTF-8"};
}

std::string utf8_repaired(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_sequence_length(text, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            i += utf8_ill_formed_length(text, i);
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string dump_json(const nlohmann::json& value, int indent) {
    return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace baton::core
