// A clock the test moves by hand.
#pragma once

#include "core/time.h"
#include "engine/clock.h"

namespace baton::testing {

class FakeClock final : public engine::Clock {
public:
    explicit FakeClock(TimePoint start) : now_(start) {}
    TimePoint now() const override { return now_; }
    void advance(Milliseconds by) { now_ += by; }
    void set(TimePoint t) { now_ = t; }

private:
    TimePoint now_;
};

}  // namespace baton::testing
