// See BatchInbox.hpp.
#include "ingest/BatchInbox.hpp"

namespace agentpulse {

bool BatchInbox::try_push(InboxJob&& job) {
    std::function<void()> wake;
    {
        std::lock_guard lock(mu_);
        if (closed_) return false;
        if (!jobs_.empty() && records_ + job.records > max_records_) return false;
        records_ += job.records;
        jobs_.push_back(std::move(job));
        wake = wake_;
    }
    if (wake) wake();
    return true;
}

std::vector<InboxJob> BatchInbox::take_all() {
    std::lock_guard lock(mu_);
    std::vector<InboxJob> out(std::make_move_iterator(jobs_.begin()), std::make_move_iterator(jobs_.end()));
    jobs_.clear();
    records_ = 0;
    return out;
}

bool BatchInbox::empty() const {
    std::lock_guard lock(mu_);
    return jobs_.empty();
}

bool BatchInbox::closed() const {
    std::lock_guard lock(mu_);
    return closed_;
}

std::size_t BatchInbox::queued_records() const {
    std::lock_guard lock(mu_);
    return records_;
}

void BatchInbox::on_push(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    wake_ = std::move(fn);
}

void BatchInbox::close() {
    std::deque<InboxJob> left;
    {
        std::lock_guard lock(mu_);
        closed_ = true;
        left.swap(jobs_);
        records_ = 0;
    }
    for (InboxJob& j : left)
        if (j.done) j.done(InboxOutcome{false, {}, "the server is shutting down"});
}

}  // namespace agentpulse
