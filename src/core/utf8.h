// UTF-8: the one check of text that came from outside (a YAML file, a template, a header,
// a comment) and the one way to write JSON of such text. Every string Baton stores must be
// well-formed UTF-8, since every view of it is JSON; the doors check with utf8_invalid_at()
// and refuse, naming where. What was stored before a door checked (an old database, a row
// written by an older binary) is still written out, by dump_json(), with U+FFFD for the
// bytes that are not UTF-8, rather than throwing. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/diagnostic.h"

namespace baton::core {

// The length of the well-formed UTF-8 sequence that starts at text[i] (1 to 4), or 0 when
// the bytes there are not one (Unicode table 3-7: no stray continuation byte, no overlong
// form, no surrogate, nothing above U+10FFFF, no sequence cut short by the end).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// Where utf8_sequence_length() is 0: how many bytes, from 1, make the maximal ill-formed
// subpart at text[i] (Unicode 3.9, "U+FFFD substitution of maximal subparts"): the lead byte
// and the continuation bytes that fit it before the sequence breaks off. Each such subpart
// becomes one U+FFFD, as nlohmann's replace handler writes it.
std::size_t utf8_ill_formed_length(std::string_view text, std::size_t i);

// The byte offset of the first byte that is not part of a well-formed sequence, or nullopt
// when all of `text` is UTF-8.
std::optional<std::size_t> utf8_invalid_at(std::string_view text);

inline bool is_utf8(std::string_view text) { return !utf8_invalid_at(text); }

// Where byte `offset` of `text` is, for a file:line:col message: the line from 1, and the
// column from 1 counted in characters (UTF-8 sequences) of that line before it.
struct TextPosition {
    int line = 1;
    int column = 1;
};
TextPosition text_position(std::string_view text, std::size_t offset);

// "is not UTF-8 text: byte 0xE9 at offset 3" — what a door says of a field whose first bad
// byte is at `offset`.
std::string utf8_problem(std::string_view text, std::size_t offset);

// The check of a whole file (YAML, a template): nullopt when it is UTF-8, else the
// diagnostic at the line and column of its first bad byte.
std::optional<Diagnostic> utf8_file_problem(const std::string& file, std::string_view text);

// `text` with each maximal ill-formed subpart replaced by U+FFFD.
std::string utf8_repaired(std::string_view text);

// value.dump(indent) that cannot throw on text: bytes that are not UTF-8 are written as
// U+FFFD (nlohmann's error_handler_t::replace). Every JSON text Baton writes of data that
// came from outside goes through here.
std::string dump_json(const nlohmann::json& value, int indent = -1);

}  // namespace baton::core
