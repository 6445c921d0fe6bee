// OpenCode's legacy JSON tree (before v1.2, and left as it was by the migration to the database):
// storage/session/<project>/<session>.json, storage/message/<session>/<message>.json and
// storage/part/<message>/<part>.json under the data folder, each one object rewritten whole, in place.
// Each file is read by ReadMode::WholeDocument with one of these parsers. A part needs its message (the
// model, the times) and its session (the root session, the folder): they are read from their own files
// when the part is parsed, and nothing is kept between files, so a restart between any two files reads
// each as a clean run does. A file's state says what of it was handed over, so a part read again as it
// grows gives only what is new.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "agents/LineParser.hpp"

namespace agentpulse {

class OpenCodeJsonParser final : public MultiRecordLineParser {
public:
    enum class Kind { Session, Message, Part };
    // What storage/<rel> is (nullopt: not a file of the tree we read).
    static std::optional<Kind> kind_of(const std::filesystem::path& rel_to_storage);

    OpenCodeJsonParser(Kind kind, std::filesystem::path file);

    LineOutcome parse_records(std::string_view doc, std::int64_t line_no, std::vector<ParsedLine>& out,
                              LineIssue& issue) override;
    std::string save_state() const override;
    void load_state(std::string_view state) override;

private:
    Kind kind_;
    std::filesystem::path file_, storage_;  // storage_: the storage/ folder the file is in
    int done_ = 0;                          // what was handed over (opencode::PartDone bits; 1 for the others)
};

}  // namespace agentpulse
