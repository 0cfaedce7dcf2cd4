// Clock: the one way the engine learns the time, so that tests can use a fake one and
// the simulator can jump it. SystemClock reads the real clock; it is stateless and
// thread-safe.
#pragma once

#include <chrono>

#include "core/time.h"

namespace baton::engine {

class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
public:
    TimePoint now() const override {
        return std::chrono::time_point_cast<Milliseconds>(std::chrono::system_clock::now());
    }
};

}  // namespace baton::engine
