package io.kaagent.bench.process;

import java.time.Instant;

/** A wall clock that two processes on one machine can compare (microseconds since the epoch). */
final class Clock {
    private Clock() {
    }

    static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
